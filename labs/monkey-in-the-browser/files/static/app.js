// dbweb's front end: a sidebar of tables; picking one loads its info, its structure and its
// first rows with three independent requests, all sent at once. Plain JavaScript, no framework.
// The table view talks to the API with XMLHttpRequest (through apiCall, below); the table list
// and the status badge use fetch().
'use strict';

function $(id) { return document.getElementById(id); }

function showError(message) {
  var box = $('error');
  box.textContent = message;
  box.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

// A panel is busy from its request until its answer is drawn.
function setBusy(panel, busy) {
  var el = $(panel);
  if (busy) el.setAttribute('aria-busy', 'true'); else el.removeAttribute('aria-busy');
  el.classList.toggle('loading', busy);
}

// Every request of the table view and the query box goes through here.
function apiCall(method, path, body, panel, onSuccess) {
  var xhr = new XMLHttpRequest();
  xhr.open(method, path);
  xhr.setRequestHeader('Accept', 'application/json');
  if (body !== null) xhr.setRequestHeader('Content-Type', 'application/json');
  setBusy(panel, true);
  xhr.onload = function () {
    var reply = JSON.parse(xhr.responseText);
    setBusy(panel, false);
    if (xhr.status >= 400) showError(reply.error);
    else onSuccess(reply);
  };
  // When the request fails before any response arrives (no network, connection refused, ...).
  xhr.onerror = function () {
    var reply = JSON.parse(xhr.responseText);
    showError(reply.error);
  };
  xhr.send(body === null ? null : JSON.stringify(body));
}

function cell(value) {
  var td = document.createElement('td');
  td.textContent = value === null ? '∅' : String(value);
  return td;
}

function table(head, rows) {
  var t = document.createElement('table');
  var tr = document.createElement('tr');
  head.forEach(function (h) {
    var th = document.createElement('th');
    th.textContent = h;
    tr.appendChild(th);
  });
  t.appendChild(tr);
  rows.forEach(function (row) {
    var r = document.createElement('tr');
    row.forEach(function (v) { r.appendChild(cell(v)); });
    t.appendChild(r);
  });
  return t;
}

function fill(panel, table_, node) {
  var el = $(panel);
  el.replaceChildren(node);
  el.setAttribute('data-table', table_);
}

function renderInfo(info) {
  var p = document.createElement('p');
  p.className = 'facts';
  [['Rows', info.rows], ['Columns', info.columns], ['Indexes', info.indexes.join(', ') || 'none']].forEach(function (pair) {
    var span = document.createElement('span');
    span.textContent = pair[0] + ': ' + pair[1];
    p.appendChild(span);
  });
  fill('info', info.table, p);
}

function renderStructure(structure) {
  fill('structure', structure.table, table(['Column', 'Type', 'Null', 'Key'], structure.columns.map(function (c) {
    return [c.name, c.type, c.nullable ? 'yes' : 'no', c.primaryKey ? 'PK' : ''];
  })));
}

function renderRows(data) {
  fill('rows', data.table, table(data.columns, data.rows));
}

function openTable(name) {
  $('title').textContent = name;
  clearError();
  document.querySelectorAll('#tables button').forEach(function (b) {
    b.classList.toggle('current', b.getAttribute('data-name') === name);
  });
  history.replaceState(null, '', '#' + encodeURIComponent(name));
  var base = 'api/tables/' + encodeURIComponent(name);
  // Three independent requests, sent together.
  apiCall('GET', base + '/info', null, 'info', renderInfo);
  apiCall('GET', base, null, 'structure', renderStructure);
  apiCall('GET', base + '/rows?limit=50', null, 'rows', renderRows);
}

function loadTables() {
  fetch('api/tables')
    .then(function (response) {
      if (!response.ok) throw new Error('the server answered ' + response.status);
      return response.json();
    })
    .then(function (list) {
      var ul = $('tables');
      ul.replaceChildren();
      list.forEach(function (t) {
        var li = document.createElement('li');
        var button = document.createElement('button');
        button.type = 'button';
        button.setAttribute('data-name', t.name);
        button.textContent = t.name;
        var count = document.createElement('span');
        count.className = 'count';
        count.textContent = t.rows;
        button.appendChild(count);
        button.addEventListener('click', function () { openTable(t.name); });
        li.appendChild(button);
        ul.appendChild(li);
      });
      var wanted = decodeURIComponent(location.hash.slice(1));
      var first = list.some(function (t) { return t.name === wanted; }) ? wanted : list.length ? list[0].name : null;
      if (first) openTable(first);
    })
    .catch(function (err) {
      showError('Could not load the list of tables: ' + err.message + '. Reload the page to try again.');
    });
}

function refreshStatus() {
  fetch('api/status')
    .then(function (response) { return response.json(); })
    .then(function (s) { $('status').textContent = s.database + ' · ' + s.tables + ' tables · ' + s.time; })
    .catch(function () { $('status').textContent = 'status unavailable'; });
}

$('query').addEventListener('submit', function (event) {
  event.preventDefault();
  apiCall('POST', 'api/query', { sql: $('sql').value }, 'result', function (data) {
    fill('result', 'query', table(data.columns, data.rows));
  });
});

loadTables();
refreshStatus();
setInterval(refreshStatus, 5000);
