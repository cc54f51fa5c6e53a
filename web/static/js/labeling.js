// The labeling page: the Label Studio Frontend 0.9.1 (window.LabelStudio, from the npm
// package label-studio) wired to our 0.8-style API, as labeling-ui.md §5.3 describes.
// Stream mode (GET /) labels what /api/project/next hands out; explore mode
// (GET /?task_id=N) shows one task with its completions.
(function () {
  'use strict';

  var LS = window.LS;
  var data = LS.data;
  var explore = data.taskId !== null && data.taskId !== undefined;

  var interfaces = [
    'basic',
    'panel',
    'controls',
    'submit',
    'update',
    'predictions',
    'predictions:menu',
    'completions:menu',
    'completions:add-new',
    'completions:delete',
    'side-column',
  ];
  if (!data.hideSkip) interfaces.push('skip');

  /** Our task → LSF's names (0.8.2's _convertTask): pk, leadTime, createdBy, createdDate. */
  function convertTask(task) {
    var completions = (task.completions || []).map(function (c) {
      var out = Object.assign({}, c, {
        pk: String(c.id),
        leadTime: typeof c.lead_time === 'number' ? c.lead_time : null,
        createdBy: typeof c.completed_by === 'string' ? c.completed_by : c.created_username || 'unknown',
      });
      if (typeof c.created_at === 'number') out.createdDate = new Date(c.created_at * 1000).toISOString();
      if (typeof c.created_ago === 'string') out.createdAgo = c.created_ago;
      return out;
    });
    var predictions = (task.predictions || []).map(function (p) {
      var by = p.created_by || p.model_version || 'model';
      var out = Object.assign({}, p, { createdBy: String(by) });
      if (typeof p.created_date === 'string') out.createdDate = p.created_date;
      return out;
    });
    return { id: task.id, data: task.data, completions: completions, predictions: predictions };
  }

  function idle(ls, extra) {
    ls.setFlags(Object.assign({ isLoading: false }, extra || {}));
  }

  /** Shows an error from the API in LSF's own modal. */
  function showError(ls, message) {
    idle(ls);
    ls.showModal(message, 'error');
  }

  /**
   * Puts a task in the editor and chooses the completion to show (§5.3 step 3): when
   * reloading a task, the completion just saved (else the first); a task with predictions
   * gets the first one copied into a new completion (pre-filled); otherwise a new empty
   * completion. Selecting explicitly is needed with 0.9.1, which would leave a prediction
   * selected, and its Submit/Skip bar hidden.
   */
  function showTask(ls, raw, reloading, selectPk) {
    var task = convertTask(raw);
    ls.resetState();
    ls.assignTask(task);
    ls.initializeStore(task);
    var store = ls.completionStore;
    var chosen;
    if (reloading && store.completions.length > 0) {
      // LSF lists them newest first: the server's first is the last here.
      chosen = store.completions.find(function (c) { return selectPk !== undefined && c.pk === String(selectPk); }) || store.completions[store.completions.length - 1];
    } else if (store.predictions.length > 0) {
      chosen = store.addCompletionFromPrediction(store.predictions[0]);
    } else {
      chosen = store.addCompletion({ userGenerate: true });
    }
    store.selectCompletion(chosen.id);
    idle(ls);
    document.title = 'Task ' + task.id + ' · labelstream';
  }

  /** GETs a task (or the next one) and shows it. Resolves when shown. */
  async function load(ls, path, reloading, selectPk) {
    ls.setFlags({ isLoading: true });
    var res;
    try {
      res = await LS.api('GET', path);
    } catch (err) {
      return showError(ls, err.message);
    }
    if (res.status === 404 && !reloading) return idle(ls, { noTask: true });
    if (res.status === 403) return idle(ls, { noAccess: true });
    if (!res.ok) return showError(ls, LS.errorText(res));
    showTask(ls, res.body, reloading, selectPk);
  }

  /** Stream mode: what next() hands this annotator; 404 is "No more data available for labeling". */
  function loadNext(ls) {
    return load(ls, '/api/project/next', false);
  }

  /** One task again, with completion `pk` selected (explore mode, and after an update). */
  function loadTask(ls, taskId, pk) {
    return load(ls, '/api/tasks/' + taskId + '/', true, pk);
  }

  function body(completion) {
    return { lead_time: (Date.now() - completion.loadedDate) / 1000, result: completion.serializeCompletion() };
  }

  /** A request whose failure rejects with the server's message (LSF shows it in a modal). */
  async function send(method, path, payload) {
    var res = await LS.api(method, path, payload);
    if (!res.ok) throw new Error(LS.errorText(res));
    return res;
  }

  /** After a submit or skip: the next task (stream), or this task with the new completion selected (explore). */
  function afterSave(ls, taskId, pk) {
    LS.refreshProgress();
    return explore ? loadTask(ls, taskId, pk) : loadNext(ls);
  }

  var labelStudio = new window.LabelStudio('label-studio', {
    config: data.labelConfig,
    task: null,
    interfaces: interfaces,
    user: { pk: 1, firstName: data.annotator, lastName: '' },
    description: data.instruction || '',

    onLabelStudioLoad: function (ls) {
      // Runs inside the constructor; loading starts once it has returned.
      ls.setFlags({ isLoading: true });
      setTimeout(function () {
        explore ? loadTask(ls, data.taskId) : loadNext(ls);
      }, 0);
    },

    onSubmitCompletion: async function (ls, completion) {
      var taskId = ls.task.id;
      var res = await send('POST', '/api/tasks/' + taskId + '/completions/', body(completion));
      completion.updatePersonalKey(String(res.body.id));
      await afterSave(ls, taskId, res.body.id);
    },

    onUpdateCompletion: async function (ls, completion) {
      var taskId = ls.task.id;
      var pk = completion.pk;
      try {
        await send('PATCH', '/api/tasks/' + taskId + '/completions/' + pk + '/', body(completion));
      } catch (err) {
        // LSF does not wait for this callback: the error is shown here.
        return showError(ls, err.message);
      }
      await loadTask(ls, taskId, pk);
    },

    onDeleteCompletion: async function (ls, completion) {
      var taskId = ls.task.id;
      if (completion.pk) {
        // LSF removes the completion from the page whatever the answer; a refusal is shown.
        try {
          await send('DELETE', '/api/tasks/' + taskId + '/completions/' + completion.pk + '/');
        } catch (err) {
          return showError(ls, err.message);
        }
        LS.refreshProgress();
      }
      // Not left on "No more completions" (0.8.2 was): a fresh one to label.
      var store = ls.completionStore;
      if (store.completions.length === 0) {
        var fresh = store.addCompletion({ userGenerate: true });
        store.selectCompletion(fresh.id);
      }
    },

    onSkipTask: async function (ls) {
      var taskId = ls.task.id;
      var selected = ls.completionStore.selected;
      var payload = selected ? body(selected) : { lead_time: 0, result: [] };
      var res = await send('POST', '/api/tasks/' + taskId + '/completions?was_cancelled=1', payload);
      await afterSave(ls, taskId, res.body.id);
    },
  });

  // For tests and the curious: the store (LSF sets window.Htx too).
  window.labelStudio = labelStudio;
})();
