/* The error summary (GOV.UK pattern): take the focus when the page loads, and let each of its
   links move the focus to the field it names, with the field's label or legend in view.
   Without this file the summary still gets the focus (autofocus) and the links scroll. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var input = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!input) { return; }
    event.preventDefault();
    var fieldset = input.closest("fieldset");
    var caption = (fieldset && fieldset.querySelector("legend"))
      || document.querySelector("label[for='" + input.id + "']") || input;
    caption.scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
