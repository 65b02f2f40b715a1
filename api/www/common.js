/* kouan — what the tracking page and the big screen share: the language
 * (Chinese or English, every string in both), the token kept in this
 * browser, Beijing time, and building DOM nodes without innerHTML (what
 * the server sends is always text, never markup). */
'use strict';

window.KN = (function () {
    const LANG_KEY = 'kouan.lang';

    function defaultLang() {
        const saved = localStorage.getItem(LANG_KEY);
        if (saved === 'zh' || saved === 'en')
            return saved;
        return (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
    }

    /* A page: strings {en: {...}, zh: {...}}, the localStorage key of its
     * token, and what to redraw when the language changes. */
    function page(opts) {
        const self = {lang: defaultLang()};
        const langButton = document.getElementById('lang');

        self.t = function (key, vars) {
            let s = opts.strings[self.lang][key];
            if (s === undefined)
                s = opts.strings.en[key];
            if (s === undefined)
                return key;
            return s.replace(/\{(\w+)\}/g, (m, k) =>
                vars && vars[k] !== undefined && vars[k] !== null ? String(vars[k]) : m);
        };
        self.apply = function () {
            document.documentElement.lang = self.lang === 'zh' ? 'zh-CN' : 'en';
            document.querySelectorAll('[data-i18n]').forEach(
                (n) => { n.textContent = self.t(n.dataset.i18n); });
            document.querySelectorAll('[data-i18n-placeholder]').forEach(
                (n) => { n.placeholder = self.t(n.dataset.i18nPlaceholder); });
            document.title = self.t('pageTitle');
            /* the button names the other language, in that language */
            langButton.textContent = self.lang === 'zh' ? 'English' : '中文';
            langButton.setAttribute('aria-label', self.t('switchLanguage'));
        };
        self.setLang = function (lang) {
            self.lang = lang;
            localStorage.setItem(LANG_KEY, lang);
            self.apply();
            if (opts.onLang)
                opts.onLang();
        };
        langButton.addEventListener('click', () => self.setLang(self.lang === 'zh' ? 'en' : 'zh'));

        self.token = () => localStorage.getItem(opts.tokenKey) || '';
        self.setToken = (t) => localStorage.setItem(opts.tokenKey, t);
        self.clearToken = () => localStorage.removeItem(opts.tokenKey);

        self.apply();
        return self;
    }

    /* "2026-11-22 06:30" in Beijing time (UTC+8 all year: no summer time),
     * or "" for what is not a date. */
    function beijing(iso) {
        const d = new Date(iso);
        if (!iso || isNaN(d.getTime()))
            return '';
        const b = new Date(d.getTime() + 8 * 3600 * 1000);
        const two = (n) => String(n).padStart(2, '0');
        return b.getUTCFullYear() + '-' + two(b.getUTCMonth() + 1) + '-' + two(b.getUTCDate()) +
               ' ' + two(b.getUTCHours()) + ':' + two(b.getUTCMinutes());
    }

    /* el('li', {class: 'x', data: {code: 'DISC'}}, 'text', child, ...) */
    function el(tag, attrs, ...children) {
        const n = document.createElement(tag);
        for (const [k, v] of Object.entries(attrs || {})) {
            if (v === undefined || v === null || v === false)
                continue;
            if (k === 'data')
                Object.assign(n.dataset, v);
            else if (k === 'class')
                n.className = v;
            else
                n.setAttribute(k, v === true ? '' : v);
        }
        for (const c of children) {
            if (c === undefined || c === null || c === false)
                continue;
            n.append(c instanceof Node ? c : document.createTextNode(String(c)));
        }
        return n;
    }

    return {page, beijing, el};
})();
