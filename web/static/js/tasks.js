// The tasks page: a paged table from GET /api/tasks. A row opens the task in the labeling
// page's explore mode (/?task_id=N); tasks are deleted one by one or all at once, each
// after a confirmation.
(function () {
  'use strict';

  var LS = window.LS;
  var el = LS.el;
  var state = { page: 1, pageSize: 30, order: 'id', total: 0 };
  var body = document.querySelector('#tasks tbody');
  var message = document.getElementById('message');

  function say(text, kind) {
    message.textContent = text;
    message.className = 'message' + (kind ? ' ' + kind : '');
  }

  /** One line of a task's data: its text when it has one value, else its JSON. */
  function preview(data) {
    var keys = Object.keys(data || {});
    var text = keys.length === 1 && typeof data[keys[0]] === 'string' ? data[keys[0]] : JSON.stringify(data);
    return text.length > 200 ? text.slice(0, 200) + '…' : text;
  }

  function row(task) {
    var completions = (task.completions || []).length;
    var open = function () {
      location.href = LS.scoped('/?task_id=' + task.id);
    };
    var remove = el('button', {
      type: 'button',
      class: 'danger',
      text: 'Delete',
      'aria-label': 'Delete task ' + task.id,
      onclick: function (event) {
        event.stopPropagation();
        deleteTask(task.id);
      },
    });
    return el('tr', { class: 'task', 'data-id': task.id, tabindex: 0, title: 'Open task ' + task.id, onclick: open, onkeydown: function (e) { if (e.key === 'Enter') open(); } }, [
      el('td', { class: 'num', text: String(task.id) }),
      el('td', { class: 'preview', text: preview(task.data) }),
      el('td', { text: task.completed_at && task.completed_at !== 'undefined' ? task.completed_at : '' }),
      el('td', { class: 'num', text: String(completions) }),
      el('td', { class: 'num', text: String(task.has_cancelled_completions || 0) }),
      el('td', {}, [remove]),
    ]);
  }

  async function load() {
    var project = await LS.api('GET', '/api/project');
    if (project.ok) state.total = project.body.task_count;
    var pages = Math.max(1, Math.ceil(state.total / state.pageSize));
    if (state.page > pages) state.page = pages;
    var res = await LS.api('GET', '/api/tasks?page=' + state.page + '&page_size=' + state.pageSize + '&order=' + encodeURIComponent(state.order));
    if (!res.ok) return say(LS.errorText(res), 'error');
    body.replaceChildren.apply(body, res.body.map(row));
    document.getElementById('no-tasks').hidden = state.total > 0;
    document.getElementById('page-info').textContent = 'Page ' + state.page + ' of ' + pages + ' (' + state.total + ' tasks)';
    document.getElementById('prev').disabled = state.page <= 1;
    document.getElementById('next').disabled = state.page >= pages;
    document.getElementById('delete-all').disabled = state.total === 0;
  }

  async function deleteTask(id) {
    if (!confirm('Delete task ' + id + ' and its completions?')) return;
    var res = await LS.api('DELETE', '/api/tasks/' + id);
    if (!res.ok) return say(LS.errorText(res), 'error');
    say('Task ' + id + ' deleted.', 'ok');
    LS.refreshProgress();
    await load();
  }

  document.getElementById('delete-all').addEventListener('click', async function () {
    if (!confirm('Delete all ' + state.total + ' tasks and their completions? This cannot be undone.')) return;
    var res = await LS.api('DELETE', '/api/tasks');
    if (!res.ok) return say(LS.errorText(res), 'error');
    say('All tasks deleted.', 'ok');
    LS.refreshProgress();
    state.page = 1;
    await load();
  });
  document.getElementById('prev').addEventListener('click', function () {
    state.page -= 1;
    load();
  });
  document.getElementById('next').addEventListener('click', function () {
    state.page += 1;
    load();
  });
  document.getElementById('order').addEventListener('change', function (e) {
    state.order = e.target.value;
    state.page = 1;
    load();
  });
  document.getElementById('page-size').addEventListener('change', function (e) {
    state.pageSize = Number(e.target.value);
    state.page = 1;
    load();
  });

  load();
})();
