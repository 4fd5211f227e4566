// Progressive enhancement only: the page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The filters apply with their button, not as a select changes: arrowing
  // through a select with the keyboard must not reload the page (WCAG 3.2.2).
  // The overview refreshes itself (keeping its filters: they are the
  // query string), unless switched off or while the keyboard focus is on
  // something: a timed reload must not pull the page from under a
  // keyboard or screen reader user (WCAG 2.2.1). No script, no refresh.
  var main = document.getElementById("main");
  var every = main ? parseInt(main.getAttribute("data-refresh") || "0", 10) : 0;
  var auto = document.getElementById("auto-refresh");
  if (every > 0 && auto) {
    auto.closest(".refresh").hidden = false;
    try { auto.checked = localStorage.getItem("serverstats.refresh") !== "off"; } catch (e) {}
    auto.addEventListener("change", function () {
      try { localStorage.setItem("serverstats.refresh", auto.checked ? "on" : "off"); } catch (e) {}
    });
    setInterval(function () {
      var a = document.activeElement;
      if (auto.checked && (!a || a === document.body)) { location.reload(); }
    }, every * 1000);
  }
  // Remember the name typed in "Your name" (not the token).
  var name = "";
  try { name = localStorage.getItem("serverstats.by") || ""; } catch (e) {}
  document.querySelectorAll("input.by").forEach(function (i) {
    if (!i.value) { i.value = name; }
    i.addEventListener("change", function () {
      try { localStorage.setItem("serverstats.by", i.value); } catch (e) {}
    });
  });
});
