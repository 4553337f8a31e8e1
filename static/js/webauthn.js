// Security keys (WebAuthn) for Wharf: no dependencies, no CDN.
// Forms carry data-webauthn="register" | "authenticate" | "reauthenticate" with data-begin and
// data-complete URLs. The server sends fido2's JSON options; the browser's own JSON helpers
// (parseCreationOptionsFromJSON / parseRequestOptionsFromJSON, credential.toJSON()) do the
// base64url work. Replies are {"redirect": url} or {"detail": message}.
(function () {
  "use strict";

  function csrfToken(form) {
    var field = form.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function showError(form, message) {
    var box = form.querySelector("[data-webauthn-error]");
    if (box) {
      box.textContent = message;
      box.hidden = false;
    } else {
      window.alert(message);
    }
  }

  async function postJSON(form, url, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(form),
      },
      body: JSON.stringify(body || {}),
    });
    var data;
    try {
      data = await response.json();
    } catch (e) {
      data = { detail: "Unexpected answer from the server (" + response.status + "). Reload and try again." };
    }
    if (data.reauth_url) {
      window.location.assign(data.reauth_url);
      throw new Error(data.detail);
    }
    if (!response.ok) {
      throw new Error(data.detail || "The server refused the request (" + response.status + ").");
    }
    return data;
  }

  function supported() {
    return (
      window.PublicKeyCredential &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function"
    );
  }

  async function register(form) {
    var label = form.querySelector("[name=label]");
    var options = await postJSON(form, form.dataset.begin);
    var publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey);
    var credential = await navigator.credentials.create({ publicKey: publicKey });
    return postJSON(form, form.dataset.complete, {
      label: label ? label.value : "",
      credential: credential.toJSON(),
    });
  }

  async function authenticate(form, extra) {
    var options = await postJSON(form, form.dataset.begin);
    var publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey);
    var credential = await navigator.credentials.get({ publicKey: publicKey });
    return postJSON(form, form.dataset.complete, Object.assign({ credential: credential.toJSON() }, extra || {}));
  }

  async function run(form, ceremony) {
    if (!supported()) {
      showError(form, "This browser cannot use security keys here: use another method or a current browser.");
      return;
    }
    try {
      var result = await ceremony();
      window.location.assign(result.redirect || "/manage/account/");
    } catch (error) {
      var message = error && error.name === "NotAllowedError"
        ? "The security key request was cancelled or timed out. Try again."
        : (error && error.message) || String(error);
      showError(form, message);
    }
  }

  document.querySelectorAll("form[data-webauthn]").forEach(function (form) {
    var kind = form.dataset.webauthn;
    if (kind === "reauthenticate") {
      // The form also posts password + code normally; the key button adds the password to JSON.
      var start = form.querySelector("[data-webauthn-start]");
      if (!start) return;
      start.addEventListener("click", function () {
        var password = form.querySelector("[name=password]");
        run(form, function () {
          return authenticate(form, { password: password ? password.value : "" });
        });
      });
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run(form, kind === "register" ? function () { return register(form); } : function () { return authenticate(form); });
    });
  });
})();
