// Kiosk idle lock: after the configured idle time the page posts to the lock URL (progress is
// already saved at each step). Activity is reported to the server at most once a minute, so
// someone reading a long module is not locked out by the server's own idle check.
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = Number(body.dataset.idleSeconds || 300);
  var warning = document.getElementById("idle-warning");
  var lastPing = Date.now();
  var timer = null, warnTimer = null;

  function hidden(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  function addDraft(form) {
    // On a test page, send the answers chosen so far: the server keeps them as a draft.
    document.querySelectorAll("form.kiosk-test input[type=radio]:checked").forEach(function (radio) {
      hidden(form, radio.name, radio.value);
    });
  }
  function post(url) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    hidden(form, "csrf_token", body.dataset.csrf);
    addDraft(form);
    document.body.appendChild(form);
    form.submit();
  }
  var switcher = document.querySelector("form.kiosk-switch");
  if (switcher) {
    switcher.addEventListener("submit", function () { addDraft(switcher); });
  }
  function ping() {
    if (Date.now() - lastPing < 60000) { return; }
    lastPing = Date.now();
    var data = new FormData();
    data.append("csrf_token", body.dataset.csrf);
    fetch(body.dataset.pingUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { if (response.status === 409) { window.location.reload(); } })
      .catch(function () {});
  }
  function reset() {
    if (warning) { warning.hidden = true; }
    clearTimeout(timer);
    clearTimeout(warnTimer);
    if (!body.dataset.lockUrl || document.getElementById("pin")) { return; }  // already locked
    var warnAt = Math.max(idleSeconds - 30, idleSeconds * 0.8);
    warnTimer = setTimeout(function () { if (warning) { warning.hidden = false; } }, warnAt * 1000);
    timer = setTimeout(function () { post(body.dataset.lockUrl); }, idleSeconds * 1000);
  }
  ["keydown", "pointerdown", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () { reset(); ping(); }, { passive: true });
  });
  reset();
})();
