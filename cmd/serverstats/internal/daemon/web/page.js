// Progressive enhancement only: the page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Filters apply as soon as they change.
  var filters = document.querySelector("form.filters");
  if (filters) {
    filters.querySelectorAll("select").forEach(function (s) {
      s.addEventListener("change", function () { filters.submit(); });
    });
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
