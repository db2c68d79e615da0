// The console's only script (served by this server, no dependencies): every few seconds it
// refreshes the regions marked data-live="<url>" with the HTML the server renders for them, and it
// sends forms marked data-inline without leaving the page, showing the answer in their
// [data-flash] element. Every page works without it.
(function () {
  "use strict";
  var EVERY_MS = 2000;

  function refresh() {
    document.querySelectorAll("[data-live]").forEach(function (region) {
      if (region.dataset.busy) return;
      region.dataset.busy = "1";
      fetch(region.dataset.live, { credentials: "same-origin", headers: { "X-Console-Inline": "1" } })
        .then(function (answer) {
          if (answer.status === 401) { window.location.assign("/console/sign-in"); return null; }
          return answer.ok ? answer.text() : null;
        })
        .then(function (html) {
          // Not while the keyboard is inside the region: a refresh would move the focus.
          if (html !== null && html !== undefined && !region.contains(document.activeElement)) {
            region.innerHTML = html;
          }
        })
        .catch(function () { /* the next tick tries again */ })
        .finally(function () { delete region.dataset.busy; });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-inline")) return;
    event.preventDefault();
    var flash = form.querySelector("[data-flash]");
    var body = new URLSearchParams(new FormData(form, event.submitter));
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Console-Inline": "1", "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
    })
      .then(function (answer) {
        return answer.text().then(function (text) {
          if (flash) {
            flash.textContent = text;
            flash.className = answer.ok ? "flash" : "field-error";
          }
          refresh();
        });
      })
      .catch(function () { if (flash) flash.textContent = "The server did not answer: try again."; });
  });

  setInterval(function () { if (!document.hidden) refresh(); }, EVERY_MS);
})();
