/* Support pages: progressive enhancement only; every page works without this file. */
(function () {
  "use strict";

  /* Copy buttons (a fresh invite link, a new API key): shown only when the clipboard works. */
  document.querySelectorAll(".copy-button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      navigator.clipboard.writeText(source.value || source.textContent).then(function () {
        button.textContent = button.dataset.copied || label;
        setTimeout(function () { button.textContent = label; }, 2500);
      });
    });
  });

  /* Auto-refresh: a region with data-refresh-url is replaced by a fresh copy every few seconds
     while the page is visible. Skipped while the reader works inside it (focus, or a <details>
     they opened), also when that began while a copy was on its way, so nothing moves under
     their hands. Without JavaScript the "Refresh" link reloads the page. */
  document.querySelectorAll("[data-refresh-url]").forEach(function (region) {
    var seconds = parseInt(region.dataset.refreshSeconds, 10) || 20;
    var status = region.parentNode.querySelector(".refresh-status");
    var busy = false;
    function inUse() {
      return region.contains(document.activeElement) || region.querySelector("details[open]");
    }
    function refresh() {
      if (busy || document.hidden || inUse()) { return; }
      busy = true;
      fetch(region.dataset.refreshUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected || !response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          if (inUse()) { return; }
          region.innerHTML = html;
          if (status && status.dataset.template) {
            var time = new Date().toLocaleTimeString(document.documentElement.lang || undefined);
            status.textContent = status.dataset.template.replace("{time}", time);
          }
        })
        .catch(function () { /* keep what is shown; the next tick tries again */ })
        .then(function () { busy = false; });
    }
    setInterval(refresh, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
  });
})();
