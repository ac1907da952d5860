/* 服务规范速查 widget: <script src="https://kb.example/widget.js"></script> <kb-search></kb-search>
 *
 * No framework, no build step. Everything that comes from the API is inserted as text; the only
 * markup rebuilt from API data is the <mark> of snippets, parsed by hand (see snippetNodes).
 * Events (bubbling, composed) for the host page and tests:
 *   kb-results {query, total, weak, ms (input → render), took_ms (server)}
 *   kb-copy    {text}
 *   kb-check   {text, hits}
 * It reports what the agent used (a copied script, an opened entry) to POST /api/events, for `kb gaps`.
 */
(function () {
  'use strict';

  // The origin this file was loaded from: the default API. Only readable while the script runs.
  var SCRIPT_SRC = document.currentScript && document.currentScript.src;
  var DEFAULT_API = SCRIPT_SRC ? new URL(SCRIPT_SRC, location.href).origin : location.origin;
  var SEARCH_DELAY_MS = 50;  // short: answers come from a cached, ~1 ms search; stale requests are aborted
  var CHECK_DELAY_MS = 250;
  var UPDATED_DAYS = 14;  // entries changed this recently carry 更新; keep in step with KB_CHANGED_BADGE_DAYS
  var FILL = '【…】';  // what the server puts where a script leaves a blank (kbbuild/check/replacements.py)

  // Keep in step with TYPE_LABELS / CHANNEL_LABELS / SEVERITY_LABELS in kbbuild/model.py.
  var TYPES = [['script', '话术'], ['process', '流程'], ['forbidden', '服务禁语'],
               ['escalation', '升级路径'], ['rule', '规则与时限']];
  var CHANNELS = [['hotline', '热线'], ['hall', '营业厅'], ['field', '上门'], ['online', '在线']];
  var TYPE_LABEL = Object.fromEntries(TYPES);
  var CHANNEL_LABEL = Object.fromEntries(CHANNELS);
  var SEVERITY_LABEL = {'red-line': '高压线', serious: '严重', discouraged: '不提倡'};

  var CSS = [
    ':host{all:initial;display:block;box-sizing:border-box;color:#1f2933;font-size:14px;line-height:1.5;',
    'font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",system-ui,sans-serif}',
    '*,*::before,*::after{box-sizing:border-box}',
    '.kb{border:1px solid #d5dbe3;border-radius:10px;background:#fff;overflow:hidden;',
    'box-shadow:0 1px 3px rgba(15,23,42,.08)}',
    '.head{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#0b5cad;color:#fff}',
    '.head h2{margin:0;font-size:15px;font-weight:600;flex:1}',
    '.head small{opacity:.8;font-size:12px}',
    'section{padding:10px 12px;border-bottom:1px solid #e6eaf0}',
    'section:last-child{border-bottom:0}',
    '.box{display:flex;gap:6px}',
    'input[type=search]{flex:1;font:inherit;padding:7px 10px;border:1px solid #b8c2cf;border-radius:6px;outline:0}',
    'input[type=search]:focus,textarea:focus{border-color:#0b5cad;box-shadow:0 0 0 2px rgba(11,92,173,.18)}',
    'button{font:inherit;cursor:pointer}',
    '.chips{display:flex;flex-wrap:wrap;align-items:center;gap:4px;margin-top:7px}',
    '.chips .lbl{font-size:12px;color:#64748b;margin-right:2px;min-width:2.5em}',
    '.chip{font-size:12px;padding:2px 9px;border:1px solid #c9d2dd;border-radius:999px;background:#fff;color:#334155}',
    '.chip:hover{border-color:#0b5cad}',
    '.chip[aria-pressed=true]{background:#0b5cad;border-color:#0b5cad;color:#fff}',
    '.status{font-size:12px;color:#64748b;min-height:18px;margin-top:6px}',
    '.status.error{color:#b42318;font-weight:600}',
    '.results{list-style:none;margin:0;padding:0;max-height:430px;overflow:auto}',
    '.results:empty{display:none}',
    '.suggest{display:flex;flex-wrap:wrap;align-items:center;gap:4px;margin:4px 0}',
    '.suggest:empty{display:none}',
    '.suggest .lbl{font-size:12px;color:#64748b;margin-right:2px}',
    // Narrow panes (360–400 px beside a softphone): the title takes its own line instead of a column.
    '@media (max-width: 440px){.top .title{flex:1 0 100%;order:-1}.chips .lbl{min-width:0}',
    '.say li{flex-wrap:wrap}.copy{margin-left:auto}.alt{font-size:12px}}',
    '.results.weak .item{opacity:.8}',
    '.upd{font-size:11px;padding:0 6px;border-radius:4px;background:#e0f2f1;color:#00695c;white-space:nowrap}',
    '.maybe{font-size:11px;padding:0 6px;border-radius:4px;border:1px dashed #a15c07;color:#a15c07;white-space:nowrap}',
    '.item{padding:8px 10px;border:1px solid transparent;border-radius:8px;margin:4px 0;cursor:pointer}',
    '.item:hover{background:#f5f8fc}',
    '.item[aria-selected=true]{background:#eef5ff;border-color:#8db6e6}',
    '.top{display:flex;align-items:baseline;gap:6px;flex-wrap:wrap}',
    '.type{font-size:11px;padding:0 6px;border-radius:4px;color:#fff;background:#64748b;white-space:nowrap}',
    '.type-script{background:#0f7b5f}.type-process{background:#2563a8}.type-forbidden{background:#b42318}',
    '.type-escalation{background:#a15c07}.type-rule{background:#6d4aa8}',
    '.title{font-weight:600;flex:1 1 10em;min-width:0}',
    '.ch{font-size:11px;color:#64748b}',
    '.snippet{margin:3px 0 0;color:#475569;font-size:13px}',
    'mark{background:#fde68a;color:inherit;border-radius:2px;padding:0 1px}',
    '.say{margin:6px 0 0;padding:0;list-style:none}',
    '.say li{display:flex;gap:8px;align-items:flex-start;background:#effaf5;border-left:3px solid #0f7b5f;',
    'padding:5px 8px;border-radius:4px;margin-top:4px}',
    '.say li span{flex:1}',
    '.copy{font-size:12px;padding:1px 8px;border:1px solid #0f7b5f;border-radius:4px;background:#fff;color:#0f7b5f;',
    'white-space:nowrap}',
    '.copy.done{background:#0f7b5f;color:#fff}',
    '.forb{margin-top:6px;font-size:13px}',
    '.limits{margin-top:6px;font-size:12px;display:flex;flex-wrap:wrap;gap:4px 8px;align-items:center}',
    '.limit{padding:0 6px;border-radius:4px;background:#fff4e5;color:#8a4b00;white-space:nowrap}',
    '.limits input{font:inherit;font-size:12px;max-width:100%}.limits button{font:inherit;font-size:12px}',
    '.due{flex-basis:100%;color:#8a4b00;font-weight:600}.due div{margin-top:2px}',
    '.forb div{margin-top:3px}',
    '.no{color:#b42318;text-decoration:line-through;text-decoration-color:rgba(180,35,24,.5)}',
    '.yes{color:#0f5132}',
    '.sev{font-size:11px;padding:0 6px;border-radius:4px;border:1px solid currentColor;white-space:nowrap}',
    '.sev-red-line{color:#fff;background:#b42318;border-color:#b42318}.sev-serious{color:#b42318}',
    '.sev-discouraged{color:#a15c07}',
    '.k{color:#64748b;font-size:12px;margin-right:4px}',
    'a.open{font-size:12px;color:#0b5cad;text-decoration:none;white-space:nowrap}',
    'a.open:hover{text-decoration:underline}',
    'h3{margin:0 0 6px;font-size:14px;font-weight:600}',
    'h3 small{font-weight:400;color:#64748b;font-size:12px;margin-left:6px}',
    '.draft{position:relative;border:1px solid #b8c2cf;border-radius:6px;background:#fff}',
    '.mirror,.draft textarea{font:inherit;padding:7px 10px;margin:0;border:0;white-space:pre-wrap;',
    'overflow-wrap:break-word;word-break:break-word;letter-spacing:normal}',
    '.mirror{position:absolute;inset:0;color:transparent;overflow:hidden;pointer-events:none}',
    '.mirror mark{color:transparent;background:rgba(220,38,38,.22);border-bottom:2px solid #dc2626;padding:0;',
    'border-radius:0}',
    '.draft textarea{position:relative;display:block;width:100%;min-height:76px;resize:vertical;',
    'background:transparent;color:#1f2933;outline:0;border-radius:6px}',
    '.hits{list-style:none;margin:6px 0 0;padding:0}',
    '.hit{border:1px solid #f3c4bf;background:#fff7f6;border-radius:6px;padding:6px 8px;margin-top:5px;font-size:13px}',
    '.hit mark{background:#fecaca;color:#7f1d1d}',
    '.alt{display:block;width:100%;text-align:left;margin-top:4px;font-size:13px;padding:4px 8px;',
    'border:1px dashed #0f7b5f;border-radius:4px;background:#fff;color:#0f5132}',
    '.alt:hover{background:#effaf5}',
    '.tier{font-size:11px;padding:0 6px;border-radius:4px;color:#fff;background:#b42318;white-space:nowrap}',
    '.tier-2{background:#a15c07}',
    '.hit.suspect{border-color:#f1d3a1;background:#fffaf0}',
    '.hit .why{font-size:12px;color:#475569;margin-top:3px}',
    '.mirror mark.suspect{background:rgba(217,119,6,.18);border-bottom:2px dashed #d97706}',
    '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}'
  ].join('');

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  var ENTITIES = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"};

  function decodeEntities(text) {
    // One pass, so "&amp;lt;" becomes "&lt;" (text), never "<".
    return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, function (all, name) {
      var lower = name.toLowerCase();
      if (lower.charAt(0) === '#') {
        var code = lower.charAt(1) === 'x' ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
      }
      return ENTITIES[lower];
    });
  }

  function snippetNodes(snippet) {
    // The API escapes everything and adds only literal <mark>…</mark>: split on those tags and
    // build text nodes, so nothing else in the snippet can become markup.
    var frag = document.createDocumentFragment();
    var inMark = false;
    String(snippet || '').split(/(<mark>|<\/mark>)/).forEach(function (part) {
      if (part === '<mark>') { inMark = true; return; }
      if (part === '</mark>') { inMark = false; return; }
      if (!part) return;
      var text = document.createTextNode(decodeEntities(part));
      if (inMark) {
        var m = document.createElement('mark');
        m.appendChild(text);
        frag.appendChild(m);
      } else {
        frag.appendChild(text);
      }
    });
    return frag;
  }

  function codePointToIndex(text, cp) {
    // The API counts code points (Python); JavaScript strings count UTF-16 units.
    var i = 0;
    for (var n = 0; n < cp && i < text.length; n++) {
      var c = text.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    }
    return i;
  }

  function copyText(text, root) {
    function fallback() {
      var ta = document.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.style.cssText = 'position:fixed;top:0;left:-9999px;opacity:0';
      root.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      ta.remove();
      return ok ? Promise.resolve() : Promise.reject(new Error('copy failed'));
    }
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(fallback);
    }
    return fallback();
  }

  async function errorMessage(response) {
    var detail = '';
    try { detail = (await response.json()).error || ''; } catch (e) { detail = ''; }
    return '查询出错（' + response.status + '）' + (detail ? '：' + detail : '');
  }

  class KbSearch extends HTMLElement {
    static get observedAttributes() { return ['api']; }

    constructor() {
      super();
      this.filters = {type: '', channel: ''};
      this.results = [];
      this.selected = -1;
      this.searchSeq = 0;
      this.checkSeq = 0;
      this.searchCtl = null;
      this.checkCtl = null;
      this.searchTimer = 0;
      this.checkTimer = 0;
      this.inputAt = 0;
      this.uid = 'kb' + Math.random().toString(36).slice(2, 8);
      this.root = this.attachShadow({mode: 'open'});
      this.render();
    }

    get api() {
      var attr = (this.getAttribute('api') || '').trim();
      try { return new URL(attr || DEFAULT_API, location.href).origin; } catch (e) { return DEFAULT_API; }
    }

    connectedCallback() {
      var channel = this.getAttribute('channel');
      if (channel && CHANNEL_LABEL[channel]) this.setFilter('channel', channel, true);
      this.loadUpdated();
    }

    // Who asks, for the server's search log: the widget, or the site when it embeds the widget.
    get origin() { return this.getAttribute('origin') === 'site' ? 'site' : 'widget'; }

    // Ids of entries added or changed in the last UPDATED_DAYS days (the 更新 badge); none if it fails.
    async loadUpdated() {
      this.updated = this.updated || new Set();
      var since = new Date(Date.now() - UPDATED_DAYS * 86400000).toISOString().slice(0, 10);
      try {
        var response = await fetch(this.api + '/api/changes?' + new URLSearchParams({since: since}));
        if (!response.ok) return;
        var data = await response.json();
        var self = this;
        (data.changes || []).forEach(function (c) { if (c.change !== 'removed') self.updated.add(c.id); });
      } catch (err) {
        return;
      }
    }

    // What the agent used from the results: fire and forget, a failure changes nothing on screen.
    report(event, id) {
      if (!id) return;
      var body = JSON.stringify({event: event, id: id, query: Array.from(this.shownQuery || '').slice(0, 64).join(''),
                                 origin: this.origin});
      try {
        fetch(this.api + '/api/events', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: body,
                                         keepalive: true}).catch(function () {});
      } catch (err) { /* never let reporting break the widget */ }
    }

    disconnectedCallback() {
      clearTimeout(this.searchTimer);
      clearTimeout(this.checkTimer);
      if (this.searchCtl) this.searchCtl.abort();
      if (this.checkCtl) this.checkCtl.abort();
    }

    emit(name, detail) {
      this.dispatchEvent(new CustomEvent(name, {detail: detail, bubbles: true, composed: true}));
    }

    // ---- layout -------------------------------------------------------------------------------
    render() {
      var style = el('style');
      style.textContent = CSS;
      var wrap = el('div', 'kb');
      var head = el('div', 'head');
      head.append(el('h2', '', '服务规范速查'), el('small', '', '↑↓ 选择 · Enter 复制话术 · Esc 清空'));

      var search = el('section', 'search');
      var box = el('div', 'box');
      this.input = el('input');
      this.input.type = 'search';
      this.input.placeholder = '输入关键词，如：听不清、接入语、投诉、回访…';
      this.input.setAttribute('aria-label', '搜索服务规范');
      this.input.setAttribute('role', 'combobox');
      this.input.setAttribute('aria-expanded', 'false');
      this.input.setAttribute('aria-controls', this.uid + '-list');
      this.input.setAttribute('autocomplete', 'off');
      this.input.setAttribute('enterkeyhint', 'search');
      box.append(this.input);
      search.append(box);
      this.chips = {type: this.chipRow('type', '类型', TYPES), channel: this.chipRow('channel', '渠道', CHANNELS)};
      search.append(this.chips.type, this.chips.channel);
      this.status = el('div', 'status');
      this.status.setAttribute('role', 'status');
      this.status.setAttribute('aria-live', 'polite');
      this.list = el('ul', 'results');
      this.list.id = this.uid + '-list';
      this.list.setAttribute('role', 'listbox');
      this.list.setAttribute('aria-label', '搜索结果');
      // One or two characters say little: offer the words they start (投 → 投诉, 投诉升级) to pick from.
      this.suggestions = el('div', 'suggest');
      this.suggestions.setAttribute('aria-label', '你可能要找');
      search.append(this.status, this.suggestions, this.list);

      var check = el('section', 'check');
      var h3 = el('h3', '', '检查我的回复');
      h3.append(el('small', '', '输入拟回复客户的话，自动标出服务禁语'));
      var draft = el('div', 'draft');
      this.mirror = el('div', 'mirror');
      this.mirror.setAttribute('aria-hidden', 'true');
      this.draft = el('textarea');
      this.draft.setAttribute('aria-label', '检查我的回复');
      this.draft.placeholder = '例如：你等一会儿，我帮你查一下';
      this.draft.spellcheck = false;
      draft.append(this.mirror, this.draft);
      this.checkStatus = el('div', 'status');
      this.checkStatus.setAttribute('role', 'status');
      this.hits = el('ul', 'hits');
      check.append(h3, draft, this.checkStatus, this.hits);

      wrap.append(head, search, check);
      this.root.append(style, wrap);

      var self = this;
      this.input.addEventListener('input', function () { self.onInput(); });
      this.input.addEventListener('keydown', function (e) { self.onKey(e); });
      this.draft.addEventListener('input', function () { self.paintMirror([]); self.scheduleCheck(); });
      this.draft.addEventListener('scroll', function () { self.mirror.scrollTop = self.draft.scrollTop; });
    }

    chipRow(kind, label, options) {
      var row = el('div', 'chips');
      row.setAttribute('role', 'group');
      row.setAttribute('aria-label', label);
      row.append(el('span', 'lbl', label));
      var self = this;
      [['', '全部']].concat(options).forEach(function (opt) {
        var b = el('button', 'chip', opt[1]);
        b.type = 'button';
        b.dataset[kind] = opt[0];
        b.setAttribute('aria-pressed', opt[0] === '' ? 'true' : 'false');
        b.addEventListener('click', function () { self.setFilter(kind, opt[0]); });
        row.append(b);
      });
      return row;
    }

    setFilter(kind, value, quiet) {
      this.filters[kind] = value;
      this.chips[kind].querySelectorAll('.chip').forEach(function (b) {
        b.setAttribute('aria-pressed', b.dataset[kind] === value ? 'true' : 'false');
      });
      if (!quiet && this.input.value.trim()) {
        this.inputAt = performance.now();
        this.search();
      }
    }

    // ---- search -------------------------------------------------------------------------------
    onInput() {
      this.inputAt = performance.now();
      clearTimeout(this.searchTimer);
      if (!this.input.value.trim()) {
        this.clearResults();
        return;
      }
      var self = this;
      this.searchTimer = setTimeout(function () { self.search(); }, SEARCH_DELAY_MS);
    }

    clearResults() {
      clearTimeout(this.searchTimer);
      this.searchSeq++;  // any response still on its way is now stale
      if (this.searchCtl) this.searchCtl.abort();
      this.results = [];
      this.selected = -1;
      this.list.replaceChildren();
      this.suggestions.replaceChildren();
      this.setStatus('');
      this.input.setAttribute('aria-expanded', 'false');
      this.input.removeAttribute('aria-activedescendant');
    }

    async search() {
      var q = this.input.value.trim();
      if (!q) return this.clearResults();
      if (this.searchCtl) this.searchCtl.abort();
      var ctl = this.searchCtl = new AbortController();
      var seq = ++this.searchSeq;
      var params = new URLSearchParams({q: q, limit: this.getAttribute('limit') || '8', origin: this.origin});
      if (this.filters.type) params.set('type', this.filters.type);
      if (this.filters.channel) params.set('channel', this.filters.channel);
      if (this.getAttribute('operator')) params.set('operator', this.getAttribute('operator'));
      var data;
      try {
        var response = await fetch(this.api + '/api/search?' + params, {signal: ctl.signal});
        if (!response.ok) throw new Error(await errorMessage(response));
        data = await response.json();
      } catch (err) {
        if (err.name === 'AbortError' || seq !== this.searchSeq) return;
        // The script being read stays on screen: only the status says the connection dropped.
        var msg = err instanceof TypeError
          ? '连接中断，无法连接知识库服务' + (this.results.length ? '：下面是上一次的结果' : '，请稍后重试')
          : err.message;
        this.setStatus(msg, true);
        this.emit('kb-error', {message: msg});
        return;
      }
      if (seq !== this.searchSeq) return;  // an older response arriving after a newer one
      this.showResults(data);
      if (Array.from(q).length <= 2 || data.weak) this.suggest(q, seq);
      else this.suggestions.replaceChildren();
    }

    async suggest(q, seq) {
      var self = this;
      var data;
      try {
        var response = await fetch(this.api + '/api/suggest?' + new URLSearchParams({q: q, limit: '6'}));
        if (!response.ok) return;
        data = await response.json();
      } catch (err) {
        return;
      }
      if (seq !== this.searchSeq) return;
      var words = (data.suggestions || []).filter(function (s) { return s.text !== q && s.kind !== 'title'; });
      var chips = words.map(function (s) {
        var b = el('button', 'chip sug', s.text);
        b.type = 'button';
        b.addEventListener('click', function () {
          self.input.value = s.text;
          self.inputAt = performance.now();
          self.search();
        });
        return b;
      });
      if (chips.length) chips.unshift(el('span', 'lbl', '你可能要找'));
      this.suggestions.replaceChildren.apply(this.suggestions, chips);
    }

    showResults(data) {
      var self = this;
      this.results = data.results || [];
      this.shownQuery = data.query;
      this.selected = this.results.length ? 0 : -1;
      // A weak best match is offered as 可能相关, never presented as the answer.
      this.list.classList.toggle('weak', !!data.weak && this.results.length > 0);
      var items = this.results.map(function (r, i) { return self.resultItem(r, i); });
      this.list.replaceChildren.apply(this.list, items);
      this.list.scrollTop = 0;
      this.input.setAttribute('aria-expanded', this.results.length ? 'true' : 'false');
      this.markSelected();
      var filtered = this.filters.type || this.filters.channel ? '（已按筛选条件过滤）' : '';
      this.setStatus(!this.results.length
        ? '没有找到与“' + data.query + '”相关的规范' + filtered + '，换个说法试试'
        : data.weak
          ? '没有明确匹配的规范，以下为可能相关的结果' + filtered + '，请核对后再用'
          : '找到 ' + data.total + ' 条' + (data.total > this.results.length ? '，显示前 ' + this.results.length + ' 条' : '')
            + filtered + ' · 服务端 ' + Math.round(data.took_ms) + ' ms');
      var ms = performance.now() - this.inputAt;
      this.emit('kb-results', {query: data.query, total: data.total, weak: !!data.weak, ms: ms, took_ms: data.took_ms});
    }

    resultItem(r, i) {
      var self = this;
      var li = el('li', 'item');
      li.id = this.uid + '-r' + i;
      li.setAttribute('role', 'option');
      li.dataset.type = r.type;
      li.dataset.id = r.id;
      li.dataset.channels = (r.channels || []).join(' ');
      var top = el('div', 'top');
      top.append(el('span', 'type type-' + r.type, TYPE_LABEL[r.type] || r.type), el('span', 'title', r.title));
      if (r.severity) top.append(el('span', 'sev sev-' + r.severity, SEVERITY_LABEL[r.severity] || r.severity));
      if (this.list.classList.contains('weak')) top.append(el('span', 'maybe', '可能相关'));
      if (this.updated && this.updated.has(r.id)) top.append(el('span', 'upd', '更新'));
      var channels = (r.channels || []).map(function (c) { return CHANNEL_LABEL[c] || c; }).join(' · ');
      if (channels) top.append(el('span', 'ch', channels));
      var href = this.entryHref(r.url);
      if (href) {
        var a = el('a', 'open', '查看条目 ↗');
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.addEventListener('click', function () { self.report('open', r.id); });
        top.append(a);
      }
      var snip = el('p', 'snippet');
      snip.append(snippetNodes(r.snippet));
      li.append(top, snip);
      var limits = this.limitsBox(r);
      if (limits) li.append(limits);

      if (r.say && r.say.length) {
        var ul = el('ul', 'say');
        ul.setAttribute('aria-label', '话术');
        r.say.forEach(function (line) {
          var row = el('li');
          var btn = el('button', 'copy', '复制');
          btn.type = 'button';
          btn.title = '复制这句话术';
          btn.addEventListener('click', function (e) { e.stopPropagation(); self.copy(line, btn, r.id); });
          row.append(el('span', 'line', line), btn);
          ul.append(row);
        });
        li.append(ul);
      }
      if (r.type === 'forbidden') {
        var box = el('div', 'forb');
        if (r.phrases && r.phrases.length) {
          var no = el('div');
          no.append(el('span', 'k', '禁说'));
          r.phrases.forEach(function (p, n) {
            if (n) no.append(document.createTextNode('　'));
            no.append(el('span', 'no', p));
          });
          box.append(no);
        }
        (r.instead || []).forEach(function (s) {
          var yes = el('div');
          yes.append(el('span', 'k', '改说'), el('span', 'yes', s));
          box.append(yes);
        });
        li.append(box);
      }
      li.addEventListener('click', function () { self.select(i); });
      return li;
    }

    // Time limits of an escalation or process, and their due times from a start (now by default).
    limitsBox(r) {
      if (!r.limits || !r.limits.length) return null;
      var self = this;
      var box = el('div', 'limits');
      r.limits.forEach(function (l) {
        box.append(el('span', 'limit', '时限 ' + l.limit + (l.condition ? '（' + l.condition + '）' : '')));
      });
      if (!r.limits.some(function (l) { return l.deadline; })) return box;
      var start = el('input');
      start.type = 'datetime-local';
      start.setAttribute('aria-label', '开始时间');
      var now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
      start.value = now.toISOString().slice(0, 16);
      var go = el('button', '', '算截止时间');
      go.type = 'button';
      var out = el('div', 'due');
      out.setAttribute('aria-live', 'polite');
      [start, go].forEach(function (n) { n.addEventListener('click', function (e) { e.stopPropagation(); }); });
      go.addEventListener('click', function () { self.deadline(r.id, start.value, out); });
      box.append(start, go, out);
      return box;
    }

    async deadline(id, start, out) {
      var data;
      try {
        var response = await fetch(this.api + '/api/deadline?' + new URLSearchParams({entry: id, start: start}));
        if (!response.ok) throw new Error(await errorMessage(response));
        data = await response.json();
      } catch (err) {
        out.replaceChildren(el('div', '', '无法计算截止时间：' + err.message));
        return;
      }
      var rows = data.deadlines.filter(function (d) { return d.due; }).map(function (d) {
        var when = d.due.slice(5, 10).replace('-', '月') + '日 ' + d.due.slice(11, 16);
        return el('div', '', '截止 ' + when + '　' + (d.condition ? d.condition + '：' : '') + d.label + '（' + d.limit + '）');
      });
      if (data.note) rows.push(el('div', '', data.note));
      out.replaceChildren.apply(out, rows);
    }

    entryHref(url) {
      try {
        var u = new URL(url, this.api + '/');
        return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
      } catch (e) {
        return '';
      }
    }

    select(i) {
      if (!this.results.length) return;
      this.selected = Math.max(0, Math.min(this.results.length - 1, i));
      this.markSelected();
    }

    markSelected() {
      var self = this;
      var current = null;
      this.list.querySelectorAll('.item').forEach(function (li, i) {
        var on = i === self.selected;
        li.setAttribute('aria-selected', on ? 'true' : 'false');
        if (on) current = li;
      });
      if (current) {
        this.input.setAttribute('aria-activedescendant', current.id);
        current.scrollIntoView({block: 'nearest'});
      } else {
        this.input.removeAttribute('aria-activedescendant');
      }
    }

    onKey(e) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (!this.results.length) return;
        e.preventDefault();
        var step = e.key === 'ArrowDown' ? 1 : -1;
        this.select((this.selected + step + this.results.length) % this.results.length);
      } else if (e.key === 'Enter') {
        if (e.isComposing) return;  // confirming an IME candidate, not a command
        e.preventDefault();
        this.activate();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        if (this.input.value) {
          this.input.value = '';
          this.clearResults();
        } else {
          this.input.blur();
        }
      }
    }

    activate() {
      // Enter: copy the selected script's first words to say; results without words open the entry.
      var r = this.results[this.selected];
      if (!r) return;
      if (r.say && r.say.length) {
        var btn = this.list.querySelectorAll('.item')[this.selected].querySelector('.copy');
        this.copy(r.say[0], btn, r.id);
      } else {
        var href = this.entryHref(r.url);
        if (href) window.open(href, '_blank', 'noopener');
        if (href) this.report('open', r.id);
      }
    }

    copy(text, btn, id) {
      var self = this;
      copyText(text, this.root).then(function () {
        self.setStatus('已复制话术：' + text);
        self.emit('kb-copy', {text: text});
        self.report('copy', id);
        if (btn) {
          btn.textContent = '已复制';
          btn.classList.add('done');
          setTimeout(function () { btn.textContent = '复制'; btn.classList.remove('done'); }, 1500);
        }
      }, function () {
        self.setStatus('复制失败：浏览器不允许访问剪贴板，请手动选中复制', true);
      });
    }

    setStatus(text, isError) {
      this.status.textContent = text;
      this.status.classList.toggle('error', !!isError);
    }

    // ---- check my reply -----------------------------------------------------------------------
    scheduleCheck() {
      clearTimeout(this.checkTimer);
      var self = this;
      this.checkTimer = setTimeout(function () { self.check(); }, CHECK_DELAY_MS);
    }

    async check() {
      var text = this.draft.value;
      if (this.checkCtl) this.checkCtl.abort();
      var seq = ++this.checkSeq;
      if (!text.trim()) {
        this.showHits(text, []);
        this.checkStatus.textContent = '';
        return;
      }
      var ctl = this.checkCtl = new AbortController();
      var data;
      try {
        var op = this.getAttribute('operator');
        var checkParams = new URLSearchParams({origin: this.origin});
        if (op) checkParams.set('operator', op);
        var response = await fetch(this.api + '/api/check?' + checkParams, {
          method: 'POST', signal: ctl.signal,
          headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: text})
        });
        if (!response.ok) throw new Error(await errorMessage(response));
        data = await response.json();
      } catch (err) {
        if (err.name === 'AbortError' || seq !== this.checkSeq) return;
        this.checkStatus.textContent = err instanceof TypeError ? '无法连接知识库服务，检查未完成（网络错误）' : err.message;
        this.checkStatus.classList.add('error');
        return;
      }
      if (seq !== this.checkSeq || text !== this.draft.value) return;
      this.showHits(text, data.hits || []);
    }

    spans(text, hits) {
      // Hits in UTF-16 positions, verified against the text (falls back to searching for the hit).
      // The order stays the server's: most severe first, certain (禁语) before suspected (疑似).
      return hits.map(function (h) {
        var start = codePointToIndex(text, h.start);
        var end = codePointToIndex(text, h.end);
        if (text.slice(start, end) !== h.text) {
          start = text.indexOf(h.text);
          end = start + h.text.length;
        }
        return {start: start, end: end, hit: h};
      }).filter(function (s) { return s.start >= 0 && s.end > s.start; });
    }

    paintMirror(spans) {
      var text = this.draft.value;
      var frag = document.createDocumentFragment();
      var pos = 0;
      spans.slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (s) {
        if (s.start < pos) return;  // overlapping hits: the first one wins the highlight
        frag.append(document.createTextNode(text.slice(pos, s.start)),
                    el('mark', s.hit.tier === 2 ? 'suspect' : '', text.slice(s.start, s.end)));
        pos = s.end;
      });
      // A trailing newline needs a character after it to take up a line in the mirror.
      frag.append(document.createTextNode(text.slice(pos) + '\u200b'));
      this.mirror.replaceChildren(frag);
      this.mirror.scrollTop = this.draft.scrollTop;
    }

    showHits(text, hits) {
      var self = this;
      var spans = this.spans(text, hits);
      this.paintMirror(spans);
      this.checkStatus.classList.remove('error');
      var certain = spans.filter(function (s) { return s.hit.tier !== 2; }).length;
      var suspect = spans.length - certain;
      // Never a certificate: no hit only means nothing in the KB matched.
      this.checkStatus.textContent = !text.trim() ? ''
        : spans.length ? [certain ? '禁语 ' + certain + ' 处' : '', suspect ? '疑似 ' + suspect + ' 处' : '']
            .filter(Boolean).join('，') + '：请修改后再说，点击下方建议可替换'
          : '未命中禁语库（只说明没有匹配到已收录的说法，仍请使用规范用语）';
      this.hits.replaceChildren.apply(this.hits, spans.map(function (s) {
        var h = s.hit;
        var li = el('li', 'hit' + (h.tier === 2 ? ' suspect' : ''));
        li.dataset.entry = h.entry_id;
        li.dataset.tier = String(h.tier);
        var top = el('div', 'top');
        top.append(el('span', 'tier tier-' + h.tier, h.label || (h.tier === 2 ? '疑似' : '禁语')),
                   el('span', 'sev sev-' + h.severity, SEVERITY_LABEL[h.severity] || h.severity));
        var said = el('span', 'title');
        said.append(document.createTextNode('“'), el('mark', '', text.slice(s.start, s.end)),
                    document.createTextNode('”'));
        top.append(said);
        li.append(top);
        var why = h.tier === 2
          ? '与“' + h.title + '”相近（可能性 ' + Number(h.score).toFixed(2) + '）' + (h.why ? '：' + h.why : '')
          : h.title + (h.why ? '：' + h.why : '');
        li.append(el('div', 'why', why));
        if (!(h.instead || []).length) {
          li.append(el('div', 'k', (h.advice || [])[0] || '删去这句，改用规范用语'));
        }
        (h.instead || []).slice(0, 3).forEach(function (alt) {
          var b = el('button', 'alt');
          b.type = 'button';
          b.title = '把“' + h.text + '”替换为这句' + (alt.indexOf(FILL) >= 0 ? '（【…】处请按实际填写）' : '');
          b.append(el('span', 'k', '替换为'), document.createTextNode(alt));
          b.addEventListener('click', function () { self.replace(s, alt); });
          li.append(b);
        });
        return li;
      }));
      this.emit('kb-check', {text: text, hits: hits});
    }

    replace(span, alt) {
      var text = this.draft.value;
      if (text.slice(span.start, span.end) !== span.hit.text) return this.check();  // draft changed meanwhile
      this.draft.value = text.slice(0, span.start) + alt + text.slice(span.end);
      var caret = span.start + alt.length;
      var fill = alt.indexOf(FILL);
      this.draft.focus();
      // A placeholder is selected so the agent types over it (收您【…】元 → 收您50元).
      if (fill >= 0) this.draft.setSelectionRange(span.start + fill, span.start + fill + FILL.length);
      else this.draft.setSelectionRange(caret, caret);
      this.paintMirror([]);
      clearTimeout(this.checkTimer);
      this.check();
    }
  }

  if (!customElements.get('kb-search')) customElements.define('kb-search', KbSearch);
})();
