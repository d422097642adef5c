// Keyboard-only entry for the pre/post answer grid: type T, F or ? and the cursor moves to the
// next cell; arrow keys move around; Backspace clears. Without this file the grid still works.
(function () {
  "use strict";
  var grid = document.querySelector("[data-grid]");
  if (!grid) { return; }
  var allowed = { t: "T", v: "T", c: "T", f: "F", d: "?", n: "?", "?": "?" };

  function cell(row, col) {
    return grid.querySelector('.grid-cell[data-row="' + row + '"][data-col="' + col + '"]');
  }
  function move(from, dRow, dCol) {
    var row = Number(from.dataset.row), col = Number(from.dataset.col);
    var next = cell(row + dRow, col + dCol);
    if (!next && dCol === 1) { next = cell(row + 1, 1); }
    if (!next && dCol === -1 && row > 1) {
      var cols = grid.querySelectorAll('.grid-cell[data-row="' + (row - 1) + '"]').length;
      next = cell(row - 1, cols);
    }
    if (next) { next.focus(); next.select(); }
  }

  grid.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.classList.contains("grid-cell") || target.readOnly) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (key === "ArrowRight") { event.preventDefault(); move(target, 0, 1); }
    else if (key === "ArrowLeft") { event.preventDefault(); move(target, 0, -1); }
    else if (key === "ArrowDown") { event.preventDefault(); move(target, 1, 0); }
    else if (key === "ArrowUp") { event.preventDefault(); move(target, -1, 0); }
    else if (key === "Backspace" || key === "Delete") { event.preventDefault(); target.value = ""; }
    else if (key.length === 1) {
      event.preventDefault();
      var value = allowed[key.toLowerCase()];
      if (value) { target.value = value; move(target, 0, 1); }
    }
  });
  grid.addEventListener("focusin", function (event) {
    if (event.target.classList.contains("grid-cell")) { event.target.select(); }
  });
})();
