// The navigation's unread-notification count (base.html): htmx polls it every 60 s; this file puts
// it in the page title, "(3) 投诉列表 · …", skips the polls while the tab is hidden (and asks once
// when it is shown again), and stops polling once the session has ended (403).
(function () {
  var PREFIX = /^\(\d+\) /;
  var missed = false;
  var stopped = false;

  function badge() { return document.querySelector("[data-unread]"); }

  function showInTitle() {
    var el = badge();
    if (!el) { return; }
    var count = parseInt((el.textContent || "").trim(), 10) || 0;
    var title = document.title.replace(PREFIX, "");
    document.title = count > 0 ? "(" + count + ") " + title : title;
  }

  document.addEventListener("DOMContentLoaded", showInTitle);
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target === badge()) { showInTitle(); }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt !== badge()) { return; }
    if (stopped || document.hidden) {
      missed = missed || !stopped;
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if (event.detail.elt === badge() && (status === 401 || status === 403)) { stopped = true; }
  });
  document.addEventListener("visibilitychange", function () {
    var el = badge();
    if (!document.hidden && missed && !stopped && el && window.htmx) {
      missed = false;
      window.htmx.trigger(el, "unread-refresh");
    }
  });
})();
