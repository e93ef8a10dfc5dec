/* Progressive enhancement for the wizard: everything works without this file. */
(function () {
  "use strict";

  /* A form came back with errors: take the reader to the summary (GOV.UK error summary). */
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  /* Copy buttons: shown only when the clipboard can be used. */
  document.querySelectorAll(".copy-button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = button.dataset.copied || "✓ " + label;
        setTimeout(function () { button.textContent = label; }, 2500);
      });
    });
  });

  /* Long requests (login check, probe, re-reading companies): say what is happening. */
  document.querySelectorAll("form.js-busy").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.hasAttribute("formaction")) { return; }  // a language switch
      var button = form.querySelector("button[type=submit]");
      var status = form.querySelector(".busy-status");
      if (button) {
        if (button.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
        button.setAttribute("aria-busy", "true");
        button.setAttribute("aria-disabled", "true");
      }
      if (status) { status.textContent = form.dataset.busyText || ""; }
    });
  });

  /* Company selection: filter, select a whole debtor, live counts. */
  var form = document.getElementById("entities-form");
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=company]"));
  var counter = form.querySelector(".selection-count");

  function updateCount() {
    var count = 0;
    form.querySelectorAll("fieldset.debtor").forEach(function (fieldset) {
      var whole = fieldset.querySelector("input[name=whole_debtor]");
      var own = fieldset.querySelectorAll("input[name=company]");
      var checked = fieldset.querySelectorAll("input[name=company]:checked").length;
      if (whole) {
        whole.checked = checked === own.length;
        whole.indeterminate = checked > 0 && checked < own.length;
      }
      count += checked;
    });
    counter.textContent = counter.dataset.template.replace("{count}", count);
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "whole_debtor") {
      target.closest("fieldset").querySelectorAll("input[name=company]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    updateCount();
  });

  var tools = form.querySelector(".entity-tools");
  var filter = document.getElementById("entity-filter");
  var found = document.getElementById("entity-filter-count");
  tools.hidden = false;
  var items = boxes.map(function (box) {
    var item = box.closest("li");
    return { item: item, text: item.textContent.toLowerCase() };
  });
  var pending;
  filter.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      var query = filter.value.trim().toLowerCase();
      var shown = 0;
      items.forEach(function (entry) {
        var match = !query || entry.text.indexOf(query) !== -1;
        entry.item.hidden = !match;
        if (match) { shown += 1; }
      });
      form.querySelectorAll("fieldset.debtor").forEach(function (fieldset) {
        var legend = fieldset.querySelector("legend").textContent.toLowerCase();
        var visible = fieldset.querySelector("li:not([hidden])");
        if (!visible && query && legend.indexOf(query) !== -1) {
          fieldset.querySelectorAll("li").forEach(function (li) { li.hidden = false; shown += 1; });
          visible = true;
        }
        fieldset.hidden = !visible;
        var details = fieldset.querySelector("details");
        if (details && query && visible) { details.open = true; }
      });
      found.textContent = query ? found.dataset.templateFound
        .replace("{shown}", shown).replace("{total}", items.length) : "";
    }, 120);
  });
  form.querySelectorAll("input[name=whole_debtor]:checked").forEach(function (whole) {
    whole.closest("fieldset").querySelectorAll("input[name=company]").forEach(function (box) {
      box.checked = true;
    });
  });
  updateCount();
})();

/* A running check: follow its progress in place; reload once it is done (without this
   script the page refreshes itself every two seconds). */
(function () {
  "use strict";
  var section = document.getElementById("validation-progress");
  if (!section || !window.fetch) { return; }
  function poll() {
    fetch(section.dataset.progressUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : { running: false }; })
      .then(function (progress) {
        if (!progress.running) { window.location.reload(); return; }
        var fresh = new DOMParser().parseFromString(progress.html, "text/html")
          .getElementById("validation-progress");
        ["progress-count", "progress-checks"].forEach(function (name) {
          var old = section.querySelector("." + name), next = fresh.querySelector("." + name);
          if (old && next && old.innerHTML !== next.innerHTML) { old.innerHTML = next.innerHTML; }
        });
        var bar = section.querySelector("progress"), nextBar = fresh.querySelector("progress");
        if (bar && nextBar) { bar.max = nextBar.max; bar.value = nextBar.value; }
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 500);
})();
