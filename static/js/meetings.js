// Meetings: live composition warnings on the schedule form, a polite board refresh, and
// the count of answers ticked on the answers page.
// Every page works without this script; the server shows the same warnings.
(function () {
  "use strict";

  // Stop polling the participation board while the tab is hidden.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (document.hidden && event.detail.elt.id === "participation") {
      event.preventDefault();
    }
  });

  // Brian Carroll's first step: marketing, sales and an executive sponsor meet. Warn as
  // people are chosen when one of them is missing.
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

  // The answers page: the bar at the foot of the screen counts the ticked answers, so the
  // facilitator proposes from wherever she is on the page.
  function countPicked(bar) {
    var counter = bar.querySelector("[data-pick-count]");
    if (!counter) return;
    var count = document.querySelectorAll("input[data-pick]:checked").length;
    counter.textContent = count === 0 ? "No answers ticked yet"
      : count === 1 ? "1 answer ticked" : count + " answers ticked";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-pick-bar]").forEach(function (bar) {
      document.addEventListener("change", function (event) {
        if (event.target.matches("input[data-pick]")) countPicked(bar);
      });
      countPicked(bar);
    });
    document.querySelectorAll("[data-composition-form]").forEach(function (form) {
      form.addEventListener("change", function () { updateWarnings(form); });
      updateWarnings(form);
    });
  });
})();
