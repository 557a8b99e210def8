(function () {
  "use strict";
  var errors = [];
  var violations = [];
  var selftest = location.hash === "#selftest";
  window.addEventListener("error", function (e) { errors.push(String(e.message || e)); });
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled rejection: " + String(e.reason)); });
  document.addEventListener("securitypolicyviolation", function (e) { violations.push(e.violatedDirective + " " + e.blockedURI); });
  if (selftest) {
    var consoleError = console.error;
    console.error = function () { errors.push(Array.prototype.join.call(arguments, " ")); consoleError.apply(console, arguments); };
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  var data = JSON.parse($("data").textContent);
  var panel = $("stories"), list = $("stories-list"), filter = $("stories-filter");
  var opener = null;

  /** The row and column labels of a cell button. */
  function describe(btn) {
    var td = btn.parentNode, tr = td.parentNode, table = tr.closest("table");
    var col = Array.prototype.indexOf.call(tr.children, td);
    var head = table.tHead.rows[0].cells[col].textContent;
    var keys = [];
    Array.prototype.forEach.call(tr.children, function (c) { if (c.tagName === "TH") { keys.push(c.textContent.replace(" †", "")); } });
    var caption = table.closest("section").querySelector("h2").textContent;
    return { column: head, row: keys.join(" / ") || "all", table: caption, name: table.closest("section").dataset.name };
  }

  function fact(dl, name, value) {
    if (value === undefined || value === null || value === "") { return; }
    dl.appendChild(el("dt", null, name));
    dl.appendChild(el("dd", null, value));
  }

  /** One excerpt with its evidence marked: marks are [start, end, "field · rule"] in UTF-16 units. */
  function excerpt(ex) {
    var box = el("blockquote", "ex");
    box.appendChild(el("span", "doc", ex[0]));
    var text = ex[1], marks = ex[2].slice().sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var offset = ex[3] ? 2 : 0; // the "… " the excerpt starts with
    var at = 0, labels = [];
    // Overlapping marks become one, labelled with every rule.
    var merged = [];
    marks.forEach(function (m) {
      var s = m[0] + offset, e = m[1] + offset;
      var last = merged[merged.length - 1];
      if (last && s < last[1]) { last[1] = Math.max(last[1], e); last[2].push(m[2]); }
      else { merged.push([s, e, [m[2]]]); }
    });
    merged.forEach(function (m) {
      if (m[1] <= m[0]) { labels = labels.concat(m[2]); return; }
      box.appendChild(document.createTextNode(text.slice(at, m[0])));
      var mk = el("mark", null, text.slice(m[0], m[1]));
      mk.title = m[2].join("; ");
      box.appendChild(mk);
      box.appendChild(el("span", "rule", m[2].join("; ")));
      at = m[1];
    });
    box.appendChild(document.createTextNode(text.slice(at)));
    if (labels.length) {
      box.appendChild(el("span", "rule", "(whole post) " + labels.join("; ")));
    }
    return box;
  }

  function story(s, counted, rate) {
    var li = el("li");
    var h = el("h3", null, (s.company ? s.company + " · " : "") + s.id);
    if (rate) { h.appendChild(el("span", counted ? "counted" : "counted no", counted ? "in the numerator" : "denominator only")); }
    li.appendChild(h);
    if (s.gone) { li.appendChild(el("p", null, "not in the index any more")); return li; }
    var dl = el("dl", "facts");
    fact(dl, "company", s.company && (s.company + (s.company_basis ? " (" + s.company_basis + ")" : "")));
    fact(dl, "channels", s.channels);
    fact(dl, "responded", s.responded && (s.responded + (s.response_channel ? " on " + s.response_channel : "")));
    fact(dl, "latency", s.latency);
    fact(dl, "moves", s.moves && (s.moves + (s.redirect_to ? " → " + s.redirect_to : "")));
    fact(dl, "resolution", s.resolution);
    fact(dl, "sentiment", s.sentiment);
    fact(dl, "author", s.author);
    fact(dl, "time", s.opened_at);
    li.appendChild(dl);
    (s.ex || []).forEach(function (ex) { li.appendChild(excerpt(ex)); });
    li.appendChild(el("code", "cmd", s.cmd));
    return li;
  }

  function open(btn) {
    var id = btn.dataset.cell, cell = data.cells[id];
    if (!cell) { return; }
    if (opener && opener !== btn) { opener.setAttribute("aria-expanded", "false"); }
    opener = btn;
    btn.setAttribute("aria-expanded", "true");
    var d = describe(btn);
    $("stories-h").textContent = d.column + " · " + d.row + " (" + cell.n + " " + (cell.n === 1 ? "story" : "stories") + ")";
    var shown = cell.s.length;
    $("stories-info").textContent = d.table + ". " + (shown < cell.n
      ? "Showing " + shown + " of " + cell.n + " (a reproducible sample); " + (cell.n - shown) + " more are not embedded: " + d.name + ".cells.parquet lists them all."
      : "All " + cell.n + " shown.");
    var rate = cell.s.some(function (x) { return !x[1]; });
    list.textContent = "";
    cell.s.forEach(function (x) { list.appendChild(story(data.stories[x[0]], x[1] === 1, rate)); });
    filter.value = "";
    count();
    panel.hidden = false;
    $("stories-h").focus();
  }

  function close() {
    panel.hidden = true;
    if (opener) { opener.setAttribute("aria-expanded", "false"); opener.focus(); }
  }

  function count() {
    var q = filter.value.trim().toLowerCase(), n = 0;
    Array.prototype.forEach.call(list.children, function (li) {
      var hit = !q || li.textContent.toLowerCase().indexOf(q) >= 0;
      li.hidden = !hit;
      if (hit) { n += 1; }
    });
    $("stories-count").textContent = n + " of " + list.children.length + " embedded stories shown";
  }

  function sortBy(btn) {
    var th = btn.parentNode, table = th.closest("table"), col = Number(btn.dataset.col);
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir);
    var num = btn.dataset.num === "1", body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v, o;
      if (num) {
        // Empty cells (no value) sort last either way.
        if (x === "" || y === "") { return (x === "") - (y === ""); }
        o = Number(x) - Number(y);
      } else { o = x < y ? -1 : x > y ? 1 : 0; }
      if (o === 0) { o = Number(a.dataset.row) - Number(b.dataset.row); return o; }
      return dir === "ascending" ? o : -o;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  /** Arrow keys move between the number buttons of a table: a grid of rows and columns. */
  function move(btn, key) {
    var td = btn.parentNode, tr = td.parentNode, body = tr.parentNode;
    var col = Array.prototype.indexOf.call(tr.children, td);
    var r = Array.prototype.indexOf.call(body.rows, tr);
    var step = { ArrowRight: [0, 1], ArrowLeft: [0, -1], ArrowDown: [1, 0], ArrowUp: [-1, 0] }[key];
    for (var i = 1; i < 200; i += 1) {
      var row = body.rows[r + step[0] * i];
      if (!row && step[0] !== 0) { return false; }
      if (step[0] !== 0) {
        var b = row.cells[col] && row.cells[col].querySelector("button.cell");
        if (b) { b.focus(); return true; }
      } else {
        var c = tr.cells[col + step[1] * i];
        if (!c) { return false; }
        var b2 = c.querySelector("button.cell");
        if (b2) { b2.focus(); return true; }
      }
    }
    return false;
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button");
    if (!b) { return; }
    if (b.classList.contains("cell")) { open(b); }
    else if (b.classList.contains("sort")) { sortBy(b); }
    else if (b.id === "stories-close") { close(); }
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === "Escape" && !panel.hidden) { e.preventDefault(); close(); return; }
    if (e.key === "/" && !panel.hidden && t !== filter) { e.preventDefault(); filter.focus(); return; }
    if (t.classList && t.classList.contains("cell") && /^Arrow/.test(e.key)) {
      if (move(t, e.key)) { e.preventDefault(); }
    }
  });
  filter.addEventListener("input", count);

  if (selftest) { runSelftest(); }

  /** report.html#selftest: counts the tables, opens a cell, filters, sorts, moves by key, and
   * writes what it saw into the page for the headless-browser test. */
  function runSelftest() {
    var out = { errors: errors, violations: violations, tables: [] };
    try {
      Array.prototype.forEach.call(document.querySelectorAll("table.data"), function (t) {
        var rows = Array.prototype.slice.call(t.tBodies[0].rows);
        out.tables.push({
          name: t.closest("section").dataset.name,
          header: Array.prototype.map.call(t.tHead.rows[0].cells, function (c) { return c.textContent; }),
          rows: rows.length,
          cells: rows.map(function (r) { return r.cells.length; }),
          values: rows.map(function (r) { return Array.prototype.map.call(r.cells, function (c) { return c.dataset.v; }); }),
          buttons: t.querySelectorAll("button.cell").length
        });
      });
      // The cell with the most embedded stories, so the filter has something to narrow.
      var best = null, bestN = -1;
      Array.prototype.forEach.call(document.querySelectorAll("button.cell"), function (b) {
        var c = data.cells[b.dataset.cell];
        if (c && c.s.length > bestN) { best = b; bestN = c.s.length; }
      });
      if (best) {
        best.click();
        var first = list.querySelector("li");
        out.click = {
          cell: best.dataset.cell,
          panel_open: !panel.hidden,
          heading: $("stories-h").textContent,
          info: $("stories-info").textContent,
          stories: list.children.length,
          embedded: bestN,
          n: data.cells[best.dataset.cell].n,
          marks: list.querySelectorAll("mark").length,
          rules: Array.prototype.map.call(list.querySelectorAll("mark"), function (m) { return m.title; }).slice(0, 5),
          first_text: first ? first.textContent.slice(0, 400) : null,
          commands: Array.prototype.map.call(list.querySelectorAll("code.cmd"), function (c) { return c.textContent; }).slice(0, 3)
        };
        var word = first ? (first.querySelector("h3").textContent.split(" · ").pop()) : "";
        filter.value = word;
        filter.dispatchEvent(new Event("input"));
        out.filter = { query: word, visible: Array.prototype.filter.call(list.children, function (li) { return !li.hidden; }).length };
        filter.value = "";
        filter.dispatchEvent(new Event("input"));
        document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
        out.closed_by_escape = panel.hidden;
        out.focus_back = document.activeElement === best;
        best.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
        out.arrow_moved = document.activeElement !== best && document.activeElement.classList.contains("cell");
        best.click(); // leave the stories open for the screenshot
      }
      var sortBtn = document.querySelector("table.data thead button.sort[data-num='1']");
      if (sortBtn) {
        var t = sortBtn.closest("table"), c = Number(sortBtn.dataset.col);
        sortBtn.click();
        var vals = Array.prototype.map.call(t.tBodies[0].rows, function (r) { return r.cells[c].dataset.v; });
        out.sort = { column: sortBtn.textContent, aria: sortBtn.parentNode.getAttribute("aria-sort"), values: vals };
        sortBtn.click();
        sortBtn.click();
      }
      out.resources = performance.getEntriesByType("resource").map(function (r) { return r.name; });
    } catch (e) {
      errors.push("selftest: " + e.message);
    }
    function finish(blocked) {
      out.fetch_blocked = blocked;
      var pre = $("selftest");
      pre.textContent = JSON.stringify(out);
      pre.dataset.done = "1";
    }
    // A connection the Content-Security-Policy must refuse: proves the page cannot reach
    // the network. The verdict lands after the request settles.
    try {
      fetch("http://127.0.0.1:9/replyscope-selftest").then(function () { finish(false); }, function () {
        setTimeout(function () { finish(true); }, 0);
      });
    } catch (e) { finish(true); }
  }
})();
