/* The checking page. Everything from a workbook reaches the page as text (textContent), never as markup. */
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var state = { job: null, rows: [], sortKey: null, sortDir: 1, lines: {}, busy: false };
  var NUMERIC = { errors: 1, warnings: 1, info: 1, score: 1 };

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function say(text) { $("status").textContent = text; }

  /* --- tabs --------------------------------------------------------------------------------------- */
  var tabs = [$("tab-check"), $("tab-templates")];
  function showTab(tab) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    });
    tab.focus();
    if (tab.id === "tab-templates") { loadTemplates(); }
  }
  tabs.forEach(function (t, i) {
    t.addEventListener("click", function () { showTab(t); });
    t.addEventListener("keydown", function (e) {
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        showTab(tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length]);
        e.preventDefault();
      }
    });
  });

  /* --- choosing files ----------------------------------------------------------------------------- */
  var drop = $("drop"), picker = $("picker");
  $("pick-label").addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === " ") { picker.click(); e.preventDefault(); }
  });
  picker.addEventListener("change", function () {
    if (picker.files.length) { upload(Array.prototype.slice.call(picker.files)); }
    picker.value = "";
  });
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    var files = Array.prototype.slice.call((e.dataTransfer && e.dataTransfer.files) || []);
    if (files.length) { upload(files); }
  });

  /* --- uploading and the stream of results -------------------------------------------------------- */
  function upload(files) {
    if (state.busy) { say("上一批仍在处理中，请稍候。"); return; }
    state.busy = true;
    state.job = null; state.rows = []; state.lines = {};
    $("progress").textContent = "";
    $("results").hidden = false; $("detail").hidden = true;
    $("panel-check").classList.remove("detail-open");
    setDownloads(false);
    renderTable();
    var form = new FormData();
    files.forEach(function (f) {
      form.append("files", f, f.webkitRelativePath || f.name);
      line(f.name, "上传中", "waiting");
    });
    var xhr = new XMLHttpRequest(), seen = 0;
    xhr.open("POST", "/api/jobs");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { say("正在上传 " + files.length + " 个文件：" + Math.round(100 * e.loaded / e.total) + "%"); }
    };
    xhr.upload.onload = function () { say("上传完成，正在校验…"); };
    function consume() {
      var text = xhr.responseText, end = text.lastIndexOf("\n");
      if (end < seen) { return; }
      text.slice(seen, end).split("\n").forEach(function (s) { if (s.trim()) { handle(JSON.parse(s)); } });
      seen = end + 1;
    }
    xhr.onprogress = consume;
    xhr.onload = function () {
      state.busy = false;
      if (xhr.status !== 200) { say("上传失败（" + xhr.status + "）：" + xhr.responseText); return; }
      consume();
    };
    xhr.onerror = function () { state.busy = false; say("上传失败：无法连接服务器。"); };
    xhr.send(form);
  }

  function line(name, text, cls) {
    var item = state.lines[name];
    if (!item) {
      item = el("li");
      state.lines[name] = item;
      $("progress").appendChild(item);
    }
    item.textContent = name + "　" + text;
    item.className = cls;
  }

  function handle(event) {
    if (event.type === "job") {
      state.job = event.id;
      $("progress").textContent = ""; state.lines = {};
      event.names.forEach(function (n) { line(n, "排队校验", "waiting"); });
      say("已收到 " + event.names.length + " 个工作簿，正在校验…");
    } else if (event.type === "row") {
      state.rows.push(event);
      var verdict = event.status === "失败" ? "失败：" + event.reason
        : "完成（错误 " + event.errors + "，警告 " + event.warnings + "，提示 " + event.info + "）";
      line(event.file, verdict, event.status === "失败" ? "failed" : "done");
      renderTable();
      say("已校验 " + state.rows.length + " 个文件…");
    } else if (event.type === "error") {
      say(event.message);
    } else if (event.type === "done") {
      var failed = state.rows.filter(function (r) { return r.status === "失败"; }).length;
      say("校验完成：共 " + event.files + " 个文件" + (failed ? "，其中 " + failed + " 个无法处理" : "") + "。");
      setDownloads(true, event.summary);
    }
  }

  function setDownloads(on, summary) {
    var zip = $("zip-link"), sum = $("summary-link");
    zip.hidden = !on; sum.hidden = !(on && summary); $("clear").hidden = !on;
    if (on) {
      zip.href = "/api/jobs/" + encodeURIComponent(state.job) + "/all.zip";
      sum.href = "/api/jobs/" + encodeURIComponent(state.job) + "/summary";
    }
  }

  $("clear").addEventListener("click", function () {
    if (!state.job) { return; }
    fetch("/api/jobs/" + encodeURIComponent(state.job), { method: "DELETE" }).then(function () {
      state.job = null; state.rows = []; state.lines = {};
      $("progress").textContent = ""; $("results").hidden = true; $("detail").hidden = true;
      say("本次结果已从服务器清除。");
    });
  });

  /* --- the results table -------------------------------------------------------------------------- */
  function visibleRows() {
    var q = $("filter").value.trim().toLowerCase(), status = $("status-filter").value;
    var rows = state.rows.filter(function (r) {
      if (status && r.status !== status) { return false; }
      if (!q) { return true; }
      return [r.file, r.form, r.entity, r.year, r.reason].join(" ").toLowerCase().indexOf(q) >= 0;
    });
    if (state.sortKey) {
      var k = state.sortKey, d = state.sortDir;
      rows.sort(function (a, b) {
        var x = a[k], y = b[k];
        if (NUMERIC[k]) { x = parseFloat(x); y = parseFloat(y); x = isNaN(x) ? -1e18 : x; y = isNaN(y) ? -1e18 : y; }
        else { x = String(x || ""); y = String(y || ""); return d * x.localeCompare(y, "zh-CN"); }
        return d * (x - y);
      });
    }
    return rows;
  }

  function renderTable() {
    var body = $("table").tBodies[0], rows = visibleRows();
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = el("tr", null, r.status === "失败" ? "failed" : "");
      var first = el("td"), open = el("button", r.file, "file-button");
      open.type = "button";
      open.title = "查看问题";
      open.setAttribute("data-n", r.n);
      open.addEventListener("click", function () { openFile(r); });
      first.appendChild(open);
      tr.appendChild(first);
      tr.appendChild(el("td", r.form));
      tr.appendChild(el("td", r.entity));
      tr.appendChild(el("td", r.year));
      var errors = el("td", null, "num");
      errors.appendChild(el("span", r.errors, r.errors ? "err" : ""));
      tr.appendChild(errors);
      tr.appendChild(el("td", r.warnings, "num"));
      tr.appendChild(el("td", r.info, "num"));
      tr.appendChild(el("td", r.score, "num"));
      tr.appendChild(el("td", r.grade));
      tr.appendChild(el("td", r.status === "失败" ? "失败：" + r.reason : r.status));
      var dl = el("td");
      if (r.download && state.job) {
        var a = el("a", "下载");
        a.href = "/api/jobs/" + encodeURIComponent(state.job) + "/files/" + r.n + "/download";
        a.setAttribute("download", "");
        dl.appendChild(a);
      }
      tr.appendChild(dl);
      body.appendChild(tr);
    });
    var errs = state.rows.filter(function (r) { return r.errors > 0; }).length;
    var failed = state.rows.filter(function (r) { return r.status === "失败"; }).length;
    $("counts").textContent = "共 " + state.rows.length + " 个文件，有错误 " + errs + " 个，无法处理 " + failed +
      " 个" + (rows.length !== state.rows.length ? "（显示 " + rows.length + " 个）" : "");
  }

  Array.prototype.forEach.call(document.querySelectorAll("#table th button"), function (b) {
    b.addEventListener("click", function () {
      var key = b.getAttribute("data-key");
      state.sortDir = state.sortKey === key ? -state.sortDir : (NUMERIC[key] ? -1 : 1);
      state.sortKey = key;
      Array.prototype.forEach.call(document.querySelectorAll("#table th button"), function (o) { o.removeAttribute("aria-sort"); });
      b.setAttribute("aria-sort", state.sortDir > 0 ? "ascending" : "descending");
      renderTable();
    });
  });
  $("filter").addEventListener("input", renderTable);
  $("status-filter").addEventListener("change", renderTable);

  /* --- one file: findings beside the form --------------------------------------------------------- */
  var current = null;
  function openFile(row) {
    current = {row: row};   // Escape before the findings arrive still goes back to this file
    $("results").hidden = true; $("detail").hidden = false;
    $("panel-check").classList.add("detail-open");
    $("detail-title").textContent = row.file;
    var dl = $("detail-download");
    dl.hidden = !row.download;
    dl.href = "/api/jobs/" + encodeURIComponent(state.job) + "/files/" + row.n + "/download";
    $("findings").tBodies[0].textContent = ""; $("grid").textContent = "正在读取…"; $("sheet-tabs").textContent = "";
    fetch("/api/jobs/" + encodeURIComponent(state.job) + "/files/" + row.n).then(function (r) {
      if (!r.ok) { return r.text().then(function (t) { throw new Error(t); }); }
      return r.json();
    }).then(function (data) {
      if (current.row.n !== row.n || $("detail").hidden) { return; }   // the clerk has moved on
      current = data; showDetail(data); $("back").focus();
    }, function (err) {
      $("grid").textContent = String(err.message || err);
    });
  }
  $("back").addEventListener("click", function () {
    $("detail").hidden = true; $("results").hidden = false;
    $("panel-check").classList.remove("detail-open");
    var again = document.querySelector("#table button.file-button[data-n='" + (current && current.row.n) + "']");
    if (again) { again.focus(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !$("detail").hidden) { $("back").click(); }
  });

  function showDetail(data) {
    var body = $("findings").tBodies[0];
    Object.keys(data.fills || {}).forEach(function (severity) {   // the legend in the workbook's own colours
      var mark = document.querySelector(".legend .mark." + severity);
      if (mark) { mark.style.backgroundColor = data.fills[severity]; }
    });
    $("no-findings").hidden = data.findings.length > 0;
    if (data.row.status === "失败") { $("no-findings").hidden = false; $("no-findings").textContent = "无法处理：" + data.row.reason; }
    else { $("no-findings").textContent = "没有发现问题。"; }
    data.findings.forEach(function (f) {
      var tr = el("tr", null, f.severity);
      tr.tabIndex = 0;
      tr.appendChild(el("td", f.sheet));
      tr.appendChild(el("td", f.cell));
      var rule = el("td");
      rule.appendChild(el("span", f.rule + " " + f.severity_zh, "rule"));
      rule.appendChild(el("span", f.title, "rule-title"));
      tr.appendChild(rule);
      tr.appendChild(el("td", f.message));
      tr.appendChild(el("td", f.expected));
      tr.appendChild(el("td", f.found));
      var go = function () { if (f.sheet) { showSheet(f.sheet, f.cell); } };
      tr.addEventListener("click", go);
      tr.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(); } });
      body.appendChild(tr);
    });
    var tabsBox = $("sheet-tabs");
    tabsBox.textContent = "";
    data.sheets.forEach(function (s) {
      var b = el("button", s.name);
      b.type = "button"; b.setAttribute("role", "tab");
      b.addEventListener("click", function () { showSheet(s.name); });
      tabsBox.appendChild(b);
    });
    if (data.sheets.length) {
      var first = data.findings.filter(function (f) { return f.sheet; })[0];
      showSheet(first ? first.sheet : data.sheets[0].name, first ? first.cell : null);
    } else {
      $("grid").textContent = data.grid_error || "（没有可显示的工作表）";
    }
  }

  function colName(n) { var s = ""; while (n > 0) { var m = (n - 1) % 26; s = String.fromCharCode(65 + m) + s; n = (n - m - 1) / 26; } return s; }

  function showSheet(name, focusRef) {
    var sheet = current.sheets.filter(function (s) { return s.name === name; })[0];
    if (!sheet) { return; }
    Array.prototype.forEach.call($("sheet-tabs").children, function (b) {
      b.setAttribute("aria-selected", b.textContent === name ? "true" : "false");
    });
    var table = el("table", null, "grid"), head = el("tr");
    head.appendChild(el("th", ""));
    for (var c = 1; c <= sheet.cols; c++) { head.appendChild(el("th", colName(c))); }
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var tbody = el("tbody"), target = null;
    sheet.rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", row.r));
      row.cells.forEach(function (cell) {
        var td = el("td", cell.text);
        if (cell.rs) { td.rowSpan = cell.rs; td.colSpan = cell.cs; }
        if (cell.fill) { td.style.backgroundColor = cell.fill; td.classList.add("marked"); td.title = cell.ref; }
        if (cell.ref === focusRef) { td.classList.add("focus"); target = td; }
        td.setAttribute("data-ref", cell.ref);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    var grid = $("grid");
    grid.textContent = "";
    grid.appendChild(table);
    if (sheet.truncated) { grid.appendChild(el("p", "（表格较大，只显示前面部分）", "hint")); }
    if (target) { target.scrollIntoView({ block: "center", inline: "center" }); }
  }

  /* --- blank templates ---------------------------------------------------------------------------- */
  var templatesLoaded = false;
  function loadTemplates() {
    if (templatesLoaded) { return; }
    fetch("/api/templates").then(function (r) { return r.json(); }).then(function (data) {
      templatesLoaded = true;
      var select = $("t-form");
      data.forms.forEach(function (f) { var o = el("option", f.name); o.value = f.id; select.appendChild(o); });
      (data.funds || []).forEach(function (name) { var o = el("option", name); o.value = name; $("t-fund").appendChild(o); });
      Array.prototype.forEach.call(document.querySelectorAll("[data-option]"), function (p) {
        p.hidden = data.options.indexOf(p.getAttribute("data-option")) < 0;
      });
    });
  }
  $("template-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var params = new URLSearchParams();
    params.set("form", $("t-form").value);
    ["year", "region", "level", "fund"].forEach(function (k) {
      var p = document.querySelector("[data-option=" + k + "]"), input = $("t-" + k);
      if (p && !p.hidden && input.value.trim()) { params.set(k, input.value.trim()); }
    });
    var url = "/api/template?" + params.toString();
    fetch(url).then(function (r) {   // a refusal (bad year, 险种 on 附表) is said on the page, not downloaded
      if (!r.ok) { return r.text().then(function (t) { $("t-message").textContent = t; }); }
      $("t-message").textContent = "";
      var a = el("a");
      a.href = url;
      a.setAttribute("download", "");
      document.body.appendChild(a); a.click(); a.remove();
    });
  });

  setDownloads(false);
})();
