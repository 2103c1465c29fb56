// Conveyor's run page: live logs (Server-Sent Events), statuses polled from the JSON API
// every 2 s while the run goes on, and the buttons that call the API. Text from logs is
// only ever set with textContent: nothing a job prints becomes markup.
// The repository page: its "Run workflow" forms, sent as JSON to the dispatches API.
(() => {
  'use strict';
  const detail = (body) => {
    const d = body && body.detail;
    if (!d) return '';
    return typeof d === 'string' ? d : d.map((e) => e.msg || JSON.stringify(e)).join('; ');
  };
  for (const form of document.querySelectorAll('form.dispatch')) {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const message = form.querySelector('.message');
      const button = form.querySelector('button[type="submit"]');
      const inputs = {};
      for (const el of form.querySelectorAll('[data-input]')) {
        if (el.dataset.type === 'boolean') inputs[el.name] = String(el.checked);
        else if (el.value !== '' || el.dataset.type !== 'number') inputs[el.name] = el.value;
      }
      const body = { ref: form.querySelector('[data-ref]').value.trim(), inputs };
      button.disabled = true;
      message.textContent = 'Starting…';
      try {
        const r = await fetch(form.dataset.url, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-Conveyor-CSRF': '1' },
          body: JSON.stringify(body),
        });
        if (r.ok) {
          location.assign(form.dataset.next);
          return;
        }
        const text = detail(await r.json().catch(() => ({})));
        message.textContent = `Could not start it: ${text || r.statusText}`;
      } catch (err) {
        message.textContent = `Could not start it: ${err}`;
      }
      button.disabled = false;
    });
  }
})();

(() => {
  'use strict';
  const root = document.getElementById('run');
  if (!root) return;
  const api = root.dataset.api;
  const runUrl = `${api}/runs/${root.dataset.runId}`;
  const labels = JSON.parse(document.getElementById('status-labels').textContent);
  const CSRF = { 'X-Conveyor-CSRF': '1' };
  const same = { credentials: 'same-origin' };
  const STAMP = /^(\d\d:\d\d:\d\d) ([\s\S]*)$/;
  const views = new Map();

  const shown = (status, conclusion) => (status === 'completed' && conclusion ? conclusion : status);
  const $ = (sel, el = document) => el.querySelector(sel);

  function setBadge(el, state) {
    if (!el || el.dataset.status === state) return;
    el.dataset.status = state;
    const [icon, word] = labels[state] || ['•', state];
    const i = $('.icon', el);
    if (i) i.textContent = icon;
    const w = $('.word', el);
    if (w) w.textContent = word;
    const t = $('title', el);
    if (t) t.textContent = t.textContent.replace(/: [^:]*$/, `: ${word}`);
  }

  function span(cls, text) {
    const s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  }

  class LogView {
    constructor(section) {
      this.section = section;
      this.el = $('.log', section);
      this.id = section.dataset.jobId;
      this.partial = '';
      this.group = null;
      this.source = null;
      this.offset = 0;
      this.done = section.dataset.log === 'inline';
      section.addEventListener('toggle', () => (section.open ? this.start() : this.stop()));
    }

    following() {
      const e = this.el;
      return e.scrollHeight - e.scrollTop - e.clientHeight < 24;
    }

    append(text) {
      const follow = this.following();
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop();
      for (const line of lines) this.line(line);
      if (follow) this.el.scrollTop = this.el.scrollHeight;
    }

    line(raw) {
      const m = STAMP.exec(raw);
      const ts = m ? m[1] : '';
      const body = m ? m[2] : raw;
      if (body.startsWith('::group::')) {
        const d = document.createElement('details');
        d.className = 'grp';
        const s = document.createElement('summary');
        s.append(span('ts', ts), body.slice(9));
        this.group = document.createElement('div');
        this.group.className = 'grp-body';
        d.append(s, this.group);
        this.el.append(d);
      } else if (body === '::endgroup::') {
        this.group = null;
      } else {
        const div = document.createElement('div');
        div.className = 'ln';
        div.append(span('ts', ts), body);
        (this.group || this.el).append(div);
      }
    }

    finish() {
      if (this.partial) this.append('\n');
      this.done = true;
      this.stop();
    }

    start() {
      const state = this.section.dataset.state;
      if (this.done || this.source || !this.section.open || state === 'queued' || state === 'waiting') {
        return;
      }
      if (state === 'completed' && this.offset === 0) {
        this.done = true; // a finished job's whole log at once
        fetch(`${api}/jobs/${this.id}/logs`, same)
          .then((r) => (r.ok ? r.text() : Promise.reject(new Error(r.statusText))))
          .then((text) => { this.append(text); this.finish(); })
          .catch(() => { this.done = false; });
        return;
      }
      const src = new EventSource(`${api}/jobs/${this.id}/logs/stream?offset=${this.offset}`);
      this.source = src;
      src.addEventListener('log', (e) => {
        this.append(e.data);
        if (/^\d+$/.test(e.lastEventId)) this.offset = Number(e.lastEventId);
      });
      src.addEventListener('end', () => this.finish());
    }

    stop() {
      if (this.source) this.source.close();
      this.source = null;
    }
  }

  function watch(section) {
    if (views.has(section.dataset.jobId)) return;
    const view = new LogView(section);
    views.set(section.dataset.jobId, view);
    view.start();
  }

  function steps(section, list) {
    const info = $('.job-info', section);
    if (!info || !list.length) return;
    let ol = $('.steps', info);
    if (!ol) {
      ol = document.createElement('ol');
      ol.className = 'steps';
      info.append(ol);
    }
    ol.replaceChildren(...list.map((st) => {
      const li = document.createElement('li');
      const badge = span('status', '');
      badge.append(span('icon', ''), ' ', span('word', ''));
      $('.icon', badge).setAttribute('aria-hidden', 'true');
      setBadge(badge, shown(st.status, st.conclusion));
      li.append(badge, ` ${st.name}`);
      return li;
    }));
  }

  // The page as the server renders it now: fresh header, graph, extras and job headers;
  // the logs already shown stay as they are.
  async function refresh() {
    const r = await fetch(location.pathname, same);
    if (!r.ok) return;
    const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
    for (const id of ['run-header', 'graph', 'run-extras']) {
      const fresh = doc.getElementById(id);
      const old = document.getElementById(id);
      if (fresh && old) old.replaceWith(document.adoptNode(fresh));
    }
    const jobs = document.getElementById('jobs');
    for (const fresh of doc.querySelectorAll('#jobs > details.job')) {
      const old = document.getElementById(fresh.id);
      if (!old) {
        jobs.append(document.adoptNode(fresh));
        watch(fresh);
        continue;
      }
      for (const sel of ['.job-head', '.job-info']) {
        const part = $(sel, fresh);
        if (part && $(sel, old)) $(sel, old).replaceWith(document.adoptNode(part));
      }
      old.dataset.state = fresh.dataset.state;
      const view = views.get(old.dataset.jobId);
      if (view && fresh.dataset.log === 'inline' && !view.source && !view.el.childElementCount) {
        view.el.replaceChildren(...$('.log', fresh).childNodes);
        view.done = true;
      }
    }
  }

  function stale(run, jobs) {
    if (run.status !== root.dataset.state || (run.conclusion || '') !== root.dataset.conclusion) {
      return true;
    }
    return jobs.some((j) => {
      const section = document.getElementById(`job-${j.id}`);
      return !section || section.dataset.state !== j.status;
    });
  }

  function apply(run, jobs) {
    root.dataset.state = run.status;
    root.dataset.conclusion = run.conclusion || '';
    setBadge(document.getElementById('run-status'), shown(run.status, run.conclusion));
    const attempt = document.getElementById('run-attempt');
    if (attempt) attempt.textContent = run.run_attempt;
    const done = run.status === 'completed';
    const hide = { rerun: !done, 'rerun-failed-jobs': !done || run.conclusion === 'success', cancel: done };
    for (const [action, hidden] of Object.entries(hide)) {
      const b = $(`#run-actions button[data-action="${action}"]`);
      if (b) b.hidden = hidden;
    }
    for (const j of jobs) {
      const state = shown(j.status, j.conclusion);
      setBadge($(`#graph .node[data-job-id="${j.id}"]`), state);
      const section = document.getElementById(`job-${j.id}`);
      if (!section) continue;
      section.dataset.state = j.status;
      setBadge($('summary .status', section), state);
      steps(section, j.steps);
    }
  }

  async function pending() {
    const r = await fetch(`${runUrl}/pending_deployments`, same);
    if (!r.ok) return;
    const envs = (await r.json()).map((d) => d.environment.name);
    const box = document.getElementById('approvals');
    document.getElementById('pending-envs').textContent = envs.join(', ');
    box.hidden = envs.length === 0;
  }

  async function poll() {
    let done = false;
    try {
      const [rr, jr] = await Promise.all([fetch(runUrl, same), fetch(`${runUrl}/jobs`, same)]);
      if (rr.ok && jr.ok) {
        const run = await rr.json();
        const jobs = (await jr.json()).jobs;
        const changed = stale(run, jobs);
        apply(run, jobs);
        if (changed) await refresh();
        for (const view of views.values()) view.start();
        if (jobs.some((j) => j.status === 'waiting') || !document.getElementById('approvals').hidden) {
          await pending();
        }
        done = run.status === 'completed';
      }
    } catch (e) {
      // the server restarts or the network hiccups: the next poll tries again
    }
    if (!done) setTimeout(poll, 2000);
  }

  document.addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-action]');
    if (!button) return;
    const action = button.dataset.action;
    const message = document.getElementById('action-message');
    const init = { method: 'POST', headers: { ...CSRF }, credentials: 'same-origin' };
    if (action === 'approve' || action === 'reject') {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify({ comment: document.getElementById('review-comment').value });
    }
    button.disabled = true;
    message.textContent = `${button.textContent}…`;
    try {
      const r = await fetch(`${runUrl}/${action}`, init);
      if (r.ok) {
        location.reload();
        return;
      }
      const body = await r.json().catch(() => ({}));
      message.textContent = `${button.textContent} failed: ${body.detail || r.statusText}`;
    } catch (err) {
      message.textContent = `${button.textContent} failed: ${err}`;
    }
    button.disabled = false;
  });

  function openTarget() {
    const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === 'DETAILS') target.open = true;
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();

  document.querySelectorAll('#jobs > details.job').forEach(watch);
  if (root.dataset.state !== 'completed') setTimeout(poll, 1000);
})();
