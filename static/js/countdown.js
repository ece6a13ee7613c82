// Live countdowns for elements with data-due (ISO time). Red when past, amber within 15 minutes.
(function () {
  function fmt(ms) {
    var past = ms < 0, s = Math.abs(ms) / 1000;
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var text = (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m";
    return past ? "-" + text : text;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var ms = new Date(el.getAttribute("data-due")).getTime() - now;
      el.textContent = fmt(ms);
      el.classList.toggle("text-danger", ms < 0);
      el.classList.toggle("fw-bold", ms < 0);
      el.classList.toggle("text-warning-emphasis", ms >= 0 && ms < 15 * 60 * 1000);
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 30000);
})();
