// Meetings: live composition warnings on the schedule form, and a polite board refresh.
// Every page works without this script; the server shows the same warnings.
(function () {
  "use strict";

  // Stop polling the participation board while the tab is hidden.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (document.hidden && event.detail.elt.id === "participation") {
      event.preventDefault();
    }
  });

  // The Universal Lead Definition: marketing, sales and an executive sponsor. Warn as people are chosen.
  function chosenPeople(form) {
    var chosen = [];
    form.querySelectorAll("input[data-department]:checked").forEach(function (box) {
      chosen.push(box);
    });
    form.querySelectorAll("select option[data-department]:checked").forEach(function (option) {
      chosen.push(option);
    });
    return chosen;
  }

  function updateWarnings(form) {
    var region = form.querySelector("[data-composition-live]");
    if (!region) return;
    var departments = {};
    var executive = false;
    chosenPeople(form).forEach(function (element) {
      departments[element.dataset.department] = true;
      if (element.dataset.executive) executive = true;
    });
    var texts = [];
    if (!departments.marketing) texts.push(region.dataset.warnMarketing);
    if (!departments.sales) texts.push(region.dataset.warnSales);
    if (!executive) texts.push(region.dataset.warnExecutive);
    var list = document.createElement("ul");
    texts.forEach(function (text) {
      var item = document.createElement("li");
      item.className = "message message--warning";
      item.textContent = text;
      list.appendChild(item);
    });
    region.replaceChildren(list);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-composition-form]").forEach(function (form) {
      form.addEventListener("change", function () { updateWarnings(form); });
      updateWarnings(form);
    });
  });
})();
