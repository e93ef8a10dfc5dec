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

  /* Company selection: filter by name or number, select a whole debtor or everything found, live
     counts. The filter, the counts, "select all found" and the rows shown are computed from the
     page itself each time (also when the browser restores the page on back/forward or reload),
     so they always agree. */
  var form = document.getElementById("entities-form");
  if (!form) { return; }
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "nl");
  var counter = form.querySelector(".selection-count");
  var tools = form.querySelector(".entity-tools");
  var filter = document.getElementById("entity-filter");
  var found = document.getElementById("entity-filter-count");
  var selectVisible = document.getElementById("select-visible");
  var selectVisibleLabel = selectVisible.nextElementSibling;
  var fieldsets = Array.prototype.slice.call(form.querySelectorAll("fieldset.debtor"));
  var rows = [];
  fieldsets.forEach(function (fieldset) {
    var debtorName = fieldset.querySelector("legend").textContent.toLowerCase();
    fieldset.querySelectorAll("ul.companies li").forEach(function (item) {
      rows.push({ item: item, box: item.querySelector("input[name=company]"), fieldset: fieldset,
                  name: item.textContent.toLowerCase(), debtorName: debtorName,
                  number: item.dataset.number, debtorNumber: fieldset.dataset.number });
    });
  });
  tools.hidden = false;

  function format(template, values) {
    return Object.keys(values).reduce(function (text, key) {
      return text.replace("{" + key + "}", numbers.format(values[key]));
    }, template);
  }

  /* A row matches when every number in the query is its company number or its debtor number,
     and the other words all occur in the company's name, or all in the debtor's name. */
  function matches(row, words) {
    var numbers = words.filter(function (word) { return /^[0-9]+$/.test(word); });
    var texts = words.filter(function (word) { return !/^[0-9]+$/.test(word); });
    function within(text) { return texts.every(function (word) { return text.indexOf(word) !== -1; }); }
    return numbers.every(function (number) {
      return number === row.number || number === row.debtorNumber;
    }) && (within(row.name) || within(row.debtorName));
  }

  function visibleRows() { return rows.filter(function (row) { return !row.item.hidden; }); }

  function updateCount() {
    fieldsets.forEach(function (fieldset) {
      var whole = fieldset.querySelector("input[name=whole_debtor]");
      if (!whole) { return; }
      var own = fieldset.querySelectorAll("input[name=company]");
      var checked = fieldset.querySelectorAll("input[name=company]:checked").length;
      whole.checked = checked === own.length;
      whole.indeterminate = checked > 0 && checked < own.length;
    });
    var count = rows.filter(function (row) { return row.box.checked; }).length;
    counter.textContent = format(counter.dataset.template, { count: count });
    var shown = visibleRows();
    var checkedShown = shown.filter(function (row) { return row.box.checked; }).length;
    selectVisible.disabled = shown.length === 0;
    selectVisible.checked = shown.length > 0 && checkedShown === shown.length;
    selectVisible.indeterminate = checkedShown > 0 && checkedShown < shown.length;
    selectVisibleLabel.textContent = format(
      filter.value.trim() ? selectVisibleLabel.dataset.templateFound : selectVisibleLabel.dataset.templateAll,
      { count: shown.length });
  }

  function applyFilter() {
    var words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var match = words.length === 0 || matches(row, words);
      row.item.hidden = !match;
      if (match) { shown += 1; }
    });
    fieldsets.forEach(function (fieldset) {
      var any = fieldset.querySelector("ul.companies li:not([hidden])") !== null;
      fieldset.hidden = !any;
      var details = fieldset.querySelector("details");
      if (details && words.length && any) { details.open = true; }
    });
    if (!words.length) {
      found.textContent = "";
    } else if (shown === 0) {
      found.textContent = found.dataset.templateNone;
    } else {
      found.textContent = format(found.dataset.templateFound, { shown: shown, total: rows.length });
    }
    updateCount();
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "whole_debtor") {
      target.closest("fieldset").querySelectorAll("input[name=company]").forEach(function (box) {
        box.checked = target.checked;
      });
    } else if (target === selectVisible) {
      visibleRows().forEach(function (row) { row.box.checked = target.checked; });
    }
    updateCount();
  });

  var pending;
  filter.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(applyFilter, 120);
  });
  /* Enter in the search box filters; it must not submit (and finish) the form. */
  filter.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); clearTimeout(pending); applyFilter(); }
  });
  /* Re-reading the list or switching the language keeps the choice through a small cookie:
     a debtor ticked as a whole travels as its tick, not as each of its companies. */
  form.addEventListener("submit", function (event) {
    if (!event.submitter || !event.submitter.hasAttribute("formaction")) { return; }
    form.querySelectorAll("input[name=whole_debtor]:checked").forEach(function (whole) {
      whole.closest("fieldset").querySelectorAll("input[name=company]").forEach(function (box) {
        box.disabled = true;
      });
    });
  });
  /* The browser may restore the search text and ticks after a reload or on back/forward. */
  window.addEventListener("pageshow", function () {
    rows.forEach(function (row) { row.box.disabled = false; });
    applyFilter();
  });
  applyFilter();
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
