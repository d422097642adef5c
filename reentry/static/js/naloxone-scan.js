// Carton scans (issue 17). A keyboard-wedge scanner types the barcode and Enter into the scan
// field; the camera button reads it with BarcodeDetector or the vendored ZXing decoder. Each scan
// goes to POST /naloxone/scan (with the page's CSRF token) and fills the form: product, lot and
// expiry when receiving, the lot when recording a kit, the count for waste and transfers. A
// refusal shows its reason and fills nothing; the server checks everything again on submit.
(function () {
  "use strict";
  var GS = String.fromCharCode(29);

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function field(id) { return id ? document.getElementById(id) : null; }
  function setValue(el, value) {
    if (!el) { return; }
    el.value = value;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function ScanField(box) {
    this.box = box;
    this.input = box.querySelector("[data-scan-input]");
    this.status = box.querySelector("[data-scan-status]");
    this.action = box.querySelector("[data-scan-action]");
    this.mode = box.dataset.mode;
    this.lots = JSON.parse(box.dataset.lots || "{}");
    this.products = JSON.parse(box.dataset.products || "{}");
    this.quantity = field(box.dataset.quantity);
    this.current = null;  // "product|lot" of the scans counted so far
    this.count = 0;
    this.serials = [];
    var self = this;
    this.input.addEventListener("keydown", function (event) {
      // A scanner set to send FNC1 as GS types Ctrl+]; browsers would drop it, so keep it as GS.
      if (event.ctrlKey && (event.key === "]" || event.code === "BracketRight")) {
        event.preventDefault();
        self.insert(GS);
      } else if (event.key === "Enter") {
        event.preventDefault();
        self.submit(self.input.value);
      }
    });
    wireCamera(this);
  }

  ScanField.prototype.insert = function (text) {
    var el = this.input, start = el.selectionStart, end = el.selectionEnd;
    el.value = el.value.slice(0, start) + text + el.value.slice(end);
    el.selectionStart = el.selectionEnd = start + text.length;
  };

  ScanField.prototype.tell = function (message, refused) {
    this.status.textContent = message;
    if (this.action) { this.action.hidden = true; this.action.textContent = ""; }
    this.status.classList.toggle("field-error", !!refused);
    this.input.setAttribute("aria-invalid", refused ? "true" : "false");
  };

  ScanField.prototype.submit = function (code) {
    if (!code.trim()) { return; }
    var self = this, body = new FormData();
    body.append("code", code);
    if (this.box.dataset.facility) { body.append("facility", this.box.dataset.facility); }
    // The receive form asks for its purpose, so a carton received before is refused at once.
    if (this.mode === "receive") { body.append("purpose", "receive"); }
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { body.append("csrf_token", token.content); }
    self.input.value = "";
    fetch(this.box.dataset.scanUrl, { method: "POST", body: body, credentials: "same-origin",
                                      headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.headers.get("Content-Type") || response.headers.get("Content-Type").indexOf("json") < 0) {
          throw new Error("not json");
        }
        return response.json();
      })
      .then(function (answer) { self.apply(answer); })
      .catch(function () { self.tell(self.box.dataset.msgFailed, true); });
  };

  // Count one more carton of `key`; null (and the reason shown) when its serial was counted.
  ScanField.prototype.countOne = function (key, serial) {
    if (serial && this.current === key && this.serials.indexOf(serial) >= 0) {
      this.tell(say(this.box.dataset.msgTwice, { serial: serial }), true);
      return null;
    }
    var restarted = this.current !== null && this.current !== key;
    if (this.current !== key) { this.current = key; this.count = 0; this.serials = []; }
    this.count += 1;
    if (serial) { this.serials.push(serial); }
    setValue(this.quantity, String(this.count));
    return { restarted: restarted };
  };

  ScanField.prototype.apply = function (answer) {
    var data = this.box.dataset;
    if (answer.problem) {
      this.tell(answer.problem, true);
      // A readable GTIN with no product is one the catalog lacks: whoever may add it gets the
      // add-GTIN form, filled in, coming back here afterwards.
      if (answer.gtin && !answer.product && data.addGtinUrl && this.action) {
        var link = document.createElement("a");
        link.href = data.addGtinUrl + "?gtin=" + encodeURIComponent(answer.gtin) +
          "&next=" + encodeURIComponent(window.location.pathname + window.location.search);
        link.textContent = say(data.msgAddGtin, { gtin: answer.gtin });
        this.action.appendChild(link);
        this.action.hidden = false;
      }
      return;
    }
    var key = answer.product + "|" + (answer.lot || "");
    var what = [answer.product, answer.lot, answer.expiry].filter(Boolean).join(" · ");
    if (this.mode === "receive") {
      var counted = this.countOne(key, answer.serial);
      if (!counted) { return; }
      setValue(field("product"), String(this.products[answer.product] || ""));
      if (answer.lot) { setValue(field("lot_number"), answer.lot); }
      if (answer.expiry) { setValue(field("expiry_date"), answer.expiry); }
      setValue(field("serials"), this.serials.join("\n"));
      this.tell((counted.restarted ? data.msgNewLot + " " : "") + say(data.msgFilled, { what: what, n: this.count }), false);
    } else if (this.mode === "kit") {
      if (!answer.lot) { this.tell(data.msgNoLot, true); return; }
      var lotId = this.lots[key];
      if (!lotId) { this.tell(say(data.msgNotOffered, { lot: answer.lot }), true); return; }
      if (!this.countOne(key, answer.serial)) { return; }
      setValue(field("lot"), String(lotId));
      this.tell(say(data.msgFilled, { what: what, n: this.count }), false);
    } else {
      if (answer.lot !== data.lot || (data.product && answer.product !== data.product)) { this.tell(say(data.msgOtherLot, { lot: answer.lot || "—" }), true); return; }
      if (!this.countOne(key, answer.serial)) { return; }
      this.tell(say(data.msgFilled, { what: what, n: this.count }), false);
    }
  };

  // --- camera ---------------------------------------------------------------------------------
  var FORMATS = ["data_matrix", "ean_13", "upc_a", "code_128", "qr_code"];

  function detector() {
    if ("BarcodeDetector" in window) {
      var native = new window.BarcodeDetector({ formats: FORMATS });
      return function (source) {
        return native.detect(source).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      };
    }
    if (window.ZXing) { return zxingDecoder(); }
    return null;
  }

  function zxingDecoder() {
    var hints = new Map();
    hints.set(window.ZXing.DecodeHintType.POSSIBLE_FORMATS, [
      window.ZXing.BarcodeFormat.DATA_MATRIX, window.ZXing.BarcodeFormat.EAN_13,
      window.ZXing.BarcodeFormat.UPC_A, window.ZXing.BarcodeFormat.CODE_128]);
    hints.set(window.ZXing.DecodeHintType.TRY_HARDER, true);
    var reader = new window.ZXing.MultiFormatReader();
    reader.setHints(hints);
    var canvas = document.createElement("canvas");
    return function (source) {
      var width = source.videoWidth || source.naturalWidth || source.width;
      var height = source.videoHeight || source.naturalHeight || source.height;
      canvas.width = width; canvas.height = height;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(source, 0, 0, width, height);
      var luminance = new window.ZXing.HTMLCanvasElementLuminanceSource(canvas);
      var bitmap = new window.ZXing.BinaryBitmap(new window.ZXing.HybridBinarizer(luminance));
      try {
        var result = reader.decode(bitmap);
        // ZXing reports FNC1 as GS for GS1 codes; a GS1 symbol gets its symbology prefix back.
        return Promise.resolve(result.getText());
      } catch (error) {
        return Promise.resolve(null);
      }
    };
  }

  function wireCamera(scan) {
    var button = scan.box.querySelector("[data-scan-camera]");
    var video = scan.box.querySelector("[data-scan-video]");
    var decode = detector();
    if (!button || !decode || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
    button.hidden = false;
    scan.decode = decode;  // the browser test feeds an image through the same decoder
    button.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        return video.play().then(function () { poll(scan, video, stream); });
      }).catch(function () { scan.tell(scan.box.dataset.msgCameraOff, true); });
    });
  }

  function poll(scan, video, stream) {
    scan.decode(video).then(function (text) {
      if (text) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        video.hidden = true;
        scan.submit(text);
      } else {
        window.setTimeout(function () { poll(scan, video, stream); }, 200);
      }
    });
  }

  window.reentryScanFields = Array.prototype.map.call(
    document.querySelectorAll(".scan-field"), function (box) { return new ScanField(box); });
})();
