/* kouan — the big screen: the day's figures from the server-sent events of
 * GET /v1/dashboard/stream.  An EventSource sends no headers, so the
 * officer's token goes as ?access_token=; when the stream fails, one plain
 * request to the same address tells a refused token (401/403) from a server
 * that is away for a moment. */
'use strict';

(function () {
    const {el} = KN;

    const STRINGS = {
        en: {
            pageTitle: 'kouan · control room',
            title: 'Smart cloud diversion · control room',
            switchLanguage: 'Switch language',
            signOut: 'Sign out',
            dayLabel: 'Day',
            beijingTime: 'Beijing time',
            signInTitle: 'Officer\'s access token',
            signInHelp: 'The big screen shows the port\'s figures to officers and admins. Paste your token once; it stays in this browser until you sign out.',
            save: 'Save',
            connecting: 'connecting…',
            live: 'live · {time}',
            reconnecting: 'reconnecting…',
            stale: 'figures of {time}: {detail}',
            e401: 'Token not valid: it is unknown or was revoked. Sign out and paste an officer\'s token.',
            e403: 'This token is not an officer\'s or an admin\'s: the big screen is for the control room.',
            e400: 'The server refused this: {detail}',
            vessels: 'Vessels at berth',
            vesselLine: '{name} {voyage} · since {since}',
            discharged: 'Boxes discharged',
            dischargedSub: 'import boxes off the vessels this day',
            moves: 'Moves saved',
            movesSub: 'of {traditional} moves the traditional flow would make ({pct}%)',
            movesNone: 'no box discharged yet',
            routed: 'Where they were sent',
            routeDirect: 'Straight to the truck',
            routeInspection: 'Inspection area + scan lane',
            routeYard: 'Yard',
            routeOther: 'Other or not decided',
            berthToGate: 'Berth to gate',
            minutes: 'min',
            berthToGateSub: 'median of {n} boxes out of the gate this day',
            berthToGateNone: 'no box out of the gate yet',
            warnings: 'Data-quality warnings',
            warningsSub: '{events} events with warnings · {rejected} messages refused',
            latest: 'Latest on the quay and at the gate',
            code_ARRI: 'vessel arrived',
            code_DEPA: 'vessel departed',
            code_DISC: 'discharged',
            code_LOAD: 'loaded',
            code_GTIN: 'gated in',
            code_GTOT: 'gated out',
            code_INSP: 'inspected',
            nothingYet: 'nothing yet this day',
            defDay: 'The day is the Beijing calendar day of the newest event received (add ?day=YYYY-MM-DD to the address for another day); the figures refresh every 2 seconds.',
            defVessels: 'Vessels at berth: vessels whose latest arrival (ARRI) in the week before the day\'s end has no departure (DEPA) after it.',
            defDischarged: 'Boxes discharged: containers with a discharge (DISC) dated this day; where they were sent is the route of each one\'s visit.',
            defMoves: 'Moves saved: against the traditional flow, where every import box is handled crane → yard → truck (2 moves, 4 when inspected), a box sent straight to the truck saves 1 move, one sent straight to the inspection area or the scan lane saves 2, one sent to the yard saves none.',
            defBerthToGate: 'Berth to gate: the median time from discharge (DISC) to gate-out (GTOT) of the boxes that went out of the gate this day.',
            defWarnings: 'Data-quality warnings: events of this day carrying a warning (such as a container number failing its check digit), plus messages refused (received this day).',
        },
        zh: {
            pageTitle: '口岸 · 指挥中心',
            title: '智能云分流 · 指挥中心',
            switchLanguage: '切换语言',
            signOut: '退出',
            dayLabel: '日期',
            beijingTime: '北京时间',
            signInTitle: '关员访问令牌',
            signInHelp: '大屏向关员和管理员展示口岸数据。粘贴您的令牌，只需一次；退出前它会保存在本浏览器中。',
            save: '保存',
            connecting: '正在连接…',
            live: '实时 · {time}',
            reconnecting: '正在重新连接…',
            stale: '{time} 的数据：{detail}',
            e401: '令牌无效：未知或已被吊销。请退出后粘贴关员令牌。',
            e403: '此令牌不属于关员或管理员：大屏仅供指挥中心使用。',
            e400: '服务器拒绝了该请求：{detail}',
            vessels: '在泊船舶',
            vesselLine: '{name} {voyage} · {since} 靠泊',
            discharged: '卸船箱量',
            dischargedSub: '当日从船上卸下的进口箱',
            moves: '节省作业次数',
            movesSub: '传统流程需 {traditional} 次作业（节省 {pct}%）',
            movesNone: '当日尚无卸船',
            routed: '分流去向',
            routeDirect: '船边直提',
            routeInspection: '查验区 + 机检通道',
            routeYard: '堆场',
            routeOther: '其他或未决定',
            berthToGate: '船边到闸口',
            minutes: '分钟',
            berthToGateSub: '当日出闸 {n} 箱的中位数',
            berthToGateNone: '当日尚无出闸',
            warnings: '数据质量告警',
            warningsSub: '{events} 条事件有告警 · {rejected} 条报文被拒收',
            latest: '码头与闸口最新动态',
            code_ARRI: '船舶靠泊',
            code_DEPA: '船舶离泊',
            code_DISC: '卸船',
            code_LOAD: '装船',
            code_GTIN: '进闸',
            code_GTOT: '出闸',
            code_INSP: '查验',
            nothingYet: '当日暂无动态',
            defDay: '日期为最新收到事件所在的北京时间日历日（在地址后加 ?day=YYYY-MM-DD 可查看其他日期）；数据每 2 秒刷新。',
            defVessels: '在泊船舶：截至当日结束前一周内最近一次靠泊（ARRI）之后没有离泊（DEPA）的船舶。',
            defDischarged: '卸船箱量：卸船（DISC）时间在当日的集装箱；分流去向为各箱本次在港的路线。',
            defMoves: '节省作业次数：以传统流程为基准——每个进口箱都经 岸桥 → 堆场 → 卡车（2 次作业，查验箱 4 次）——直送卡车的箱子节省 1 次，直送查验区或机检通道的箱子节省 2 次，进堆场的不节省。',
            defBerthToGate: '船边到闸口：当日出闸箱从卸船（DISC）到出闸（GTOT）时间的中位数。',
            defWarnings: '数据质量告警：当日带告警的事件（如集装箱号校验位不符），加上当日拒收的报文。',
        },
    };

    const kn = KN.page({strings: STRINGS, tokenKey: 'kouan.dashboard.token', onLang: redraw});
    const t = kn.t;
    const $ = (id) => document.getElementById(id);
    const day = new URLSearchParams(location.search).get('day');

    let figures = null; // the latest tick
    let live = {state: 'off'};
    let refused = null; // {key, code} when the server refused the token
    let source = null;
    let retry = null;

    /* ------------------------------------------------------------------ */
    /* the stream                                                          */

    function streamUrl() {
        let u = '/v1/dashboard/stream?access_token=' + encodeURIComponent(kn.token());
        if (day)
            u += '&day=' + encodeURIComponent(day);
        return u;
    }

    function stop() {
        if (source)
            source.close();
        source = null;
        clearTimeout(retry);
        retry = null;
    }

    function connect() {
        stop();
        if (!kn.token())
            return;
        setLive({state: 'connecting'});
        source = new EventSource(streamUrl());
        source.addEventListener('figures', (ev) => {
            figures = JSON.parse(ev.data);
            refused = null;
            setLive({state: 'live', time: figures.at ? figures.at.slice(11, 19) : ''});
            redraw();
        });
        source.addEventListener('problem', (ev) => {
            const p = JSON.parse(ev.data);
            if (p.status === 401 || p.status === 403)
                refuse(p.status);
            else
                setLive({state: 'stale', detail: p.detail});
        });
        source.onerror = () => {
            if (source && source.readyState === EventSource.CLOSED) {
                source = null;
                diagnose();
            } else if (live.state !== 'stale') {
                setLive({state: 'reconnecting'});
            }
        };
    }

    /* The stream was refused or failed: ask once more, plainly, to see why. */
    async function diagnose() {
        const ctl = new AbortController();
        const timer = setTimeout(() => ctl.abort(), 5000);
        let status = 0, detail = '';
        try {
            const r = await fetch(streamUrl(), {signal: ctl.signal, cache: 'no-store'});
            status = r.status;
            if (!r.ok)
                detail = ((await r.json()) || {}).detail || '';
        } catch (e) { /* away, or the stream that answered was cut */ }
        clearTimeout(timer);
        ctl.abort();
        if (status === 401 || status === 403)
            return refuse(status);
        if (status === 400) {
            refused = {key: 'e400', code: '400', vars: {detail}};
            setLive({state: 'off'});
            return redraw();
        }
        setLive({state: 'reconnecting'});
        retry = setTimeout(connect, 3000);
    }

    function refuse(status) {
        stop();
        refused = {key: 'e' + status, code: String(status)};
        figures = null;
        setLive({state: 'off'});
        redraw();
    }

    /* ------------------------------------------------------------------ */
    /* drawing                                                             */

    function setLive(l) {
        live = l;
        const box = $('live');
        box.dataset.state = l.state;
        const text = {
            off: '',
            connecting: t('connecting'),
            reconnecting: t('reconnecting'),
            live: t('live', {time: l.time}),
            stale: t('stale', {time: figures && figures.at ? figures.at.slice(11, 19) : '—', detail: l.detail}),
        }[l.state];
        $('live-text').textContent = text || '';
    }

    /* a figure, flashing when it changed */
    function put(id, value) {
        const n = $(id);
        const text = value === null || value === undefined ? '–' : String(value);
        if (n.textContent !== text && n.textContent !== '–') {
            n.classList.remove('changed');
            void n.offsetWidth; // restart the animation
            n.classList.add('changed');
        }
        n.textContent = text;
    }

    function drawFigures(f) {
        $('day').textContent = f.day;
        const vessels = f.vesselsAtBerth || [];
        put('vessels', vessels.length);
        $('vessel-list').replaceChildren(...vessels.map((v) =>
            el('li', {}, t('vesselLine', {name: v.name || '?', voyage: v.voyage || '', since: (v.since || '').slice(11)}))));
        put('discharged', f.discharged);

        const r = f.routes || {};
        const groups = {
            direct: r.direct || 0,
            inspection: (r.inspectionArea || 0) + (r.scanLane || 0),
            yard: r.yard || 0,
            other: r.other || 0,
        };
        const most = Math.max(1, ...Object.values(groups));
        for (const [k, n] of Object.entries(groups)) {
            put('route-' + k, n);
            $('bar-' + k).style.width = (100 * n / most).toFixed(1) + '%';
        }

        const m = f.moves || {saved: 0, traditional: 0};
        put('moves-saved', m.saved);
        $('moves-sub').textContent = m.traditional
            ? t('movesSub', {traditional: m.traditional, pct: Math.round(100 * m.saved / m.traditional)})
            : t('movesNone');

        const b = f.berthToGate || {};
        put('berth-to-gate', b.boxes ? b.medianMinutes : null);
        $('berth-to-gate-sub').textContent = b.boxes ? t('berthToGateSub', {n: b.boxes}) : t('berthToGateNone');

        const w = f.warnings || {events: 0, rejected: 0};
        put('warnings', w.events + w.rejected);
        $('warnings-sub').textContent = t('warningsSub', w);

        const latest = f.latest || [];
        $('latest').replaceChildren(...(latest.length ? latest.map((e) =>
            el('li', {data: {code: e.code}},
               el('span', {}, e.time),
               el('span', {class: 'code'}, e.code),
               el('span', {}, (STRINGS.en['code_' + e.code] ? t('code_' + e.code) : e.code) + ' · ' +
                              (e.box || e.vessel || '')))) : [el('li', {}, t('nothingYet'))]));
    }

    function redraw() {
        const signedIn = !!kn.token();
        $('signin').hidden = signedIn;
        $('signout').hidden = !signedIn;
        const msg = $('message');
        if (refused) {
            msg.textContent = t(refused.key, refused.vars);
            msg.dataset.error = refused.code;
            msg.hidden = false;
        } else {
            msg.hidden = true;
            msg.removeAttribute('data-error');
        }
        $('figures').hidden = !signedIn || !figures;
        if (figures)
            drawFigures(figures);
        setLive(live);
    }

    /* ------------------------------------------------------------------ */
    /* what the officer does                                               */

    $('signin-form').addEventListener('submit', (ev) => {
        ev.preventDefault();
        const token = $('token').value.trim();
        if (!token)
            return;
        kn.setToken(token);
        $('token').value = '';
        refused = null;
        redraw();
        connect();
    });

    $('signout').addEventListener('click', () => {
        stop();
        kn.clearToken();
        figures = null;
        refused = null;
        setLive({state: 'off'});
        redraw();
    });

    redraw();
    connect();
})();
