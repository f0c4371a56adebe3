// Confirmations in a <dialog>: a form marked data-confirm (a GET to an irreversible action's
// URL, which answers with its confirmation page) opens that page's body in a dialog instead
// of leaving the page. Without this script the form simply opens the confirmation page.
(function () {
  "use strict";

  var dialog = null;

  function dialogGet() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    document.body.appendChild(dialog);
    dialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-confirm-cancel]")) {
        event.preventDefault();
        dialog.close();
      }
    });
    return dialog;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-confirm]")) return;
    event.preventDefault();
    fetch(form.action, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var body = doc.querySelector("[data-confirm-body]");
        if (!body) throw new Error("no confirmation");
        var box = dialogGet();
        box.replaceChildren(document.importNode(body, true));
        box.showModal();
        var button = box.querySelector("[data-confirm-button]");
        if (button) button.focus();
      })
      .catch(function () {
        window.location.assign(form.action); // the confirmation page, without the dialog
      });
  });
})();
