// Kit form: show the decline questions only for a declined kit and the repeat reason only for a
// repeat kit. A convenience: without JavaScript every field shows and the server checks the rules.
(function () {
  "use strict";
  function parts(id) {
    return [document.getElementById(id), document.querySelector('label[for="' + id + '"]'),
            document.getElementById(id + "-hint"), document.getElementById(id + "-error")]
      .filter(function (el) { return el; });
  }
  function toggle(ids, show) {
    ids.forEach(function (id) {
      parts(id).forEach(function (el) { el.hidden = !show; });
    });
  }
  function wire(selectId, value, dependents) {
    var select = document.getElementById(selectId);
    if (!select) { return; }
    var update = function () { toggle(dependents, select.value === value); };
    select.addEventListener("change", update);
    update();
  }
  wire("outcome", "declined", ["decline_reason", "decline_other"]);
  wire("supply", "repeat", ["repeat_reason"]);
})();
