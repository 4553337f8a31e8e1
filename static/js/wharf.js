// Small progressive enhancements for every page; everything works without them.
// - [data-copy="<element id>"] buttons copy that element's text and say so.
// - form[data-confirm="<question>"] asks before a destructive action is sent.
// - #wharf-restored-form (after a re-authentication detour) refills the form the user was
//   sending: the one whose fields match best, its hidden "action" first.
(function () {
  "use strict";

  function announce(button, text) {
    var original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    button.textContent = text;
    window.setTimeout(function () { button.textContent = original; }, 2000);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // http://localhost and older browsers: a hidden textarea and execCommand.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      if (!source) return;
      var text = source.dataset.value || source.textContent.trim();
      copyText(text).then(
        function () { announce(button, "Copied"); },
        function () { announce(button, "Select and copy by hand"); }
      );
    });
  });

  function restore(data) {
    var best = null, bestScore = 0;
    document.querySelectorAll("main form").forEach(function (form) {
      var action = form.querySelector("input[type=hidden][name=action]");
      if (action && data.action && data.action.indexOf(action.value) < 0) return;
      var score = Object.keys(data).filter(function (name) {
        return form.querySelector('[name="' + CSS.escape(name) + '"]');
      }).length;
      if (score > bestScore) { best = form; bestScore = score; }
    });
    if (!best) return;
    Object.keys(data).forEach(function (name) {
      var values = data[name];
      best.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (field) {
        if (field.type === "hidden") return;
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = values.indexOf(field.value) >= 0;
        } else if (field.tagName === "SELECT" && field.multiple) {
          Array.prototype.forEach.call(field.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
        } else {
          field.value = values[0] || "";
        }
      });
    });
    var note = document.createElement("p");
    note.className = "message";
    note.setAttribute("role", "status");
    note.textContent = "What you typed is back: check it and send the form again.";
    best.insertBefore(note, best.firstChild);
  }

  var kept = document.getElementById("wharf-restored-form");
  if (kept) {
    try { restore(JSON.parse(kept.textContent)); } catch (e) { /* nothing to restore */ }
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
})();
