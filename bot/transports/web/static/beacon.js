// Beacon's web chat, enhanced: a tap or a typed answer updates the page in place (no new
// history entry), moves focus to the newest message and puts only the new messages into the
// live region (#live) for screen readers to announce; quick exit by the Exit button or by
// pressing Shift three times blanks the page, ends the session and replaces the page with a
// neutral site. On a kiosk (an event's shared tablet) exit ends the session and returns to the
// kiosk's start, and a timer returns there after the page's wait without a tap (the server
// decides; without this script a <meta> refresh does the same). Without this script every form
// still works as a plain POST.
(function () {
  "use strict";
  var SHIFT_WINDOW_MS = 5000;
  var shifts = [];
  var leaving = false;
  var kioskTimer = null;

  function exitForm() { return document.getElementById("exit-form"); }

  function quickExit() {
    if (leaving) { return; }
    leaving = true;
    var form = exitForm();
    var target = form ? form.getAttribute("data-exit-url") : "about:blank";
    document.documentElement.classList.add("leaving");
    document.title = "";
    document.body.textContent = "";
    if (form && form.hasAttribute("data-kiosk")) {
      // A kiosk starts again: the session must be gone before its start is asked for.
      var again = function () { window.location.replace(target); };
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual"
      }).then(again, again);
      return;
    }
    if (form) {
      try {
        fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          keepalive: true, redirect: "manual"
        }).catch(function () {});
      } catch (e) { /* the page leaves anyway */ }
    }
    window.location.replace(target);
  }

  // On a kiosk, go to its start once the page has waited its time without a request.
  function kioskClock() {
    if (kioskTimer !== null) { window.clearTimeout(kioskTimer); kioskTimer = null; }
    var mark = document.getElementById("kiosk-reset");
    if (!mark) { return; }
    var seconds = parseInt(mark.getAttribute("data-after"), 10);
    var start = mark.getAttribute("data-start");
    if (!(seconds > 0) || !start) { return; }
    kioskTimer = window.setTimeout(function () { window.location.replace(start); }, seconds * 1000);
  }

  function focusNewest() {
    var latest = document.querySelectorAll("#conversation .latest");
    var target = latest.length ? latest[0] : null;
    var all = document.querySelectorAll("#conversation .msg");
    if (!target && all.length) { target = all[all.length - 1]; }
    if (target) {
      // The sticky bar with Exit covers the top of the page: scroll the message below it.
      var bar = document.getElementById("top");
      if (bar) { document.documentElement.style.scrollPaddingTop = bar.offsetHeight + "px"; }
      var reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "start", behavior: reduce ? "auto" : "smooth" });
    }
  }

  // The live region holds this turn's messages only, so nothing said before is read again.
  function announce() {
    var live = document.getElementById("live");
    if (!live) { return; }
    live.textContent = "";
    var fresh = document.querySelectorAll("#conversation .latest:not(.msg-you) .text");
    Array.prototype.forEach.call(fresh, function (text) {
      var said = document.createElement("p");
      said.textContent = text.textContent;
      live.appendChild(said);
    });
  }

  function swapIn(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var main = next.getElementById("main");
    if (!main) { return false; }
    document.getElementById("main").replaceWith(main);
    var exitNext = next.getElementById("exit-form");
    if (exitNext && exitForm()) { exitForm().replaceWith(exitNext); }
    document.documentElement.lang = next.documentElement.lang;
    document.documentElement.dir = next.documentElement.dir;
    enhance(document);
    kioskClock();
    focusNewest();
    announce();
    return true;
  }

  function submit(event) {
    var form = event.target;
    // A form marked data-plain (the verification page's) opens its answer as a new page.
    if (!form.matches || !form.matches("#main form:not([data-plain])")) { return; }
    event.preventDefault();
    var body = new FormData(form);
    var by = event.submitter;
    if (by && by.name) { body.append(by.name, by.value); }
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) { if (!swapIn(html)) { window.location.replace("/"); } })
      .catch(function () { window.location.replace("/"); });
  }

  function enhance(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".choice-copy"), function (control) {
      var button = control.querySelector(".copy-button");
      var text = control.querySelector(".copy-text");
      if (!button || !navigator.clipboard) { return; }
      button.hidden = false;
      if (text) {
        text.classList.add("visually-hidden");
        // Hidden from sight, so out of the Tab order too: a focus no one can see.
        Array.prototype.forEach.call(text.querySelectorAll("input"), function (i) { i.tabIndex = -1; });
      }
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(control.getAttribute("data-copy") || "");
      });
    });
  }

  document.addEventListener("submit", function (event) {
    if (event.target && event.target.id === "exit-form") {
      event.preventDefault();
      quickExit();
      return;
    }
    submit(event);
  });

  // Any other key in between starts the count again, so typing capitals never leaves.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") { shifts = []; return; }
    if (event.repeat) { return; }
    var now = Date.now();
    shifts = shifts.filter(function (t) { return now - t < SHIFT_WINDOW_MS; });
    shifts.push(now);
    if (shifts.length >= 3) { quickExit(); }
  });

  // A page brought back from the browser's back-forward cache after exit is blanked again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && leaving) { document.body.textContent = ""; }
  });

  enhance(document);
  kioskClock();
})();
