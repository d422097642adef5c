// Warn two minutes before a signed-in session ends for lack of activity, and let the person
// keep it (WCAG 2.2.1 Timing Adjustable). Typing in a long form does not reach the server, so
// without this a nurse could lose a half-filled screening.
(function () {
  "use strict";
  var body = document.body;
  var lifetime = parseInt(body.getAttribute("data-session-seconds") || "0", 10);
  var dialog = document.getElementById("session-warning");
  if (!lifetime || !dialog) { return; }
  var warnAfter = Math.max(lifetime - 120, 10) * 1000;
  var token = document.querySelector('meta[name="csrf-token"]');
  var timer = null;

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(show, warnAfter);
  }
  function show() {
    if (typeof dialog.showModal === "function" && !dialog.open) { dialog.showModal(); }
  }
  function stay() {
    var request = new XMLHttpRequest();
    request.open("POST", dialog.getAttribute("data-keepalive-url"));
    request.setRequestHeader("X-CSRFToken", token ? token.content : "");
    request.onload = function () {
      if (request.status === 204) { dialog.close(); schedule(); }
      else { window.location.reload(); }  // already signed out: show the sign-in page
    };
    request.send();
  }
  document.getElementById("session-stay").addEventListener("click", stay);
  window.reentrySessionWarning = { show: show, stay: stay };
  schedule();
})();
