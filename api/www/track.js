/* kouan — the tracking page: an agent follows its boxes like parcels.
 * GET /v1/containers/{box}/timeline for a box, GET /v2/events with
 * transportDocumentReference for a bill (its boxes); the agent's bearer
 * token is kept in localStorage until "sign out". */
'use strict';

(function () {
    const {el, beijing} = KN;

    const STRINGS = {
        en: {
            pageTitle: 'kouan · track your cargo',
            title: 'Track your cargo',
            switchLanguage: 'Switch language',
            signOut: 'Sign out',
            signInTitle: 'Your access token',
            signInHelp: 'Paste the token you were given once; it stays in this browser until you sign out.',
            tokenPlaceholder: 'kn_…',
            save: 'Save',
            refLabel: 'Container number or bill of lading',
            refPlaceholder: 'MSCU1234566 or a bill number',
            refHint: 'A container number is four letters and seven digits (MSCU1234566); anything else is looked up as a bill of lading.',
            track: 'Track',
            timesNote: 'All times are Beijing time (UTC+8).',
            loading: 'Looking up {ref}…',
            // validation, before anything is sent
            empty: 'Enter a container number or a bill of lading.',
            badCategory: '{ref} is not a container number: its fourth letter must be U, J or Z.',
            badCheckDigit: '{ref}: the check digit should be {want}, not {got}. Check the number on the box or the papers.',
            badBill: 'A bill of lading is 1 to 35 letters, digits or signs, without spaces.',
            // answers
            e401: 'Token not valid: it is unknown or was revoked. Sign out and paste the token you were given.',
            e403: 'This token may not read cargo. Ask for an agent\'s token.',
            e404box: 'No such container among your cargo: {ref}.',
            e404bill: 'No such bill of lading among your cargo: {ref}.',
            e400: 'The server refused this: {detail}',
            e503: 'The service is not available just now. Try again in a minute.',
            eNetwork: 'Cannot reach kouan. Check the connection and try again.',
            eOther: 'Unexpected answer ({status}): {detail}',
            // a box
            import: 'Import',
            export: 'Export',
            unknownDirection: 'Direction not known yet',
            nextStep: 'Next step',
            why: 'Why',
            status: 'Status',
            inspectionSlot: 'Inspection slot',
            slotText: '{start} – {end}, {area}',
            timelineTitle: 'Timeline, newest first',
            noEvents: 'Nothing has happened to this box yet.',
            bill: 'bill {bill}',
            truck: 'truck {plate}',
            // routes: the badge, and the next step in plain words
            route_DIRECT_PICKUP: 'Straight to your truck',
            route_INSPECTION_AREA: 'Straight to the inspection area',
            route_SCAN_LANE: 'Scan lane (machine scan)',
            route_QUARANTINE: 'Quarantine inspection area',
            route_YARD: 'To the yard',
            route_LOADING_STACK: 'Straight to the loading stack',
            route_none: 'No route yet',
            next_DIRECT_PICKUP: 'Go to the quay: your box goes straight from the crane onto your truck.',
            next_DIRECT_PICKUP_planned: 'When the vessel is in, go to the quay: your box goes straight from the crane onto your truck.',
            next_INSPECTION_AREA_slot: 'Inspection at {start} in {area}. No appointment needed: the slot is yours.',
            next_INSPECTION_AREA: 'Your box goes straight to the inspection area; its slot will show here.',
            next_SCAN_LANE: 'Your box goes through the scan lane (machine scan, H986); once customs has seen it, it is released for pickup.',
            next_QUARANTINE: 'Your box goes to the quarantine inspection area.',
            next_YARD: 'Your box waits in the yard: {reason}.',
            next_YARD_plain: 'Your box waits in the yard until customs and duty are settled.',
            next_LOADING_STACK: 'Export: your box goes straight to the loading stack for its vessel.',
            next_none: 'Customs and the terminal have not decided where it goes yet; this page shows it as soon as they do.',
            next_closed_import: 'Done: your box has left the port.',
            next_closed_export: 'Done: your box is on its vessel.',
            phase_NEW: 'Known, nothing planned yet',
            phase_PLANNED: 'Expected: not discharged yet',
            phase_DISCHARGED: 'Discharged',
            phase_AT_INSPECTION: 'Waiting for inspection',
            phase_INSPECTED: 'Inspected, waiting for release',
            phase_RELEASED: 'Released for pickup',
            phase_AT_GATE: 'Gated in, waiting to be loaded',
            phase_CLOSED: 'Done',
            // events
            ev_DISC: 'Discharged from the vessel',
            ev_DISC_vessel: 'Discharged from {vessel}',
            ev_LOAD: 'Loaded onto the vessel',
            ev_LOAD_vessel: 'Loaded onto {vessel}',
            ev_GTIN: 'Gated in at the terminal',
            ev_GTOT: 'Gated out: on its way',
            ev_INSP: 'Inspected by customs',
            ev_ARRI: 'Vessel arrived at berth',
            ev_ARRI_vessel: '{vessel} arrived at berth',
            ev_DEPA: 'Vessel departed',
            ev_DEPA_vessel: '{vessel} departed',
            ev_HOLD: 'Held by customs',
            ev_HOLD_exam: 'Customs ordered an inspection: {exam}',
            ev_RELS: 'Released by customs',
            ev_APPR_CUS: 'Customs discharge instruction received',
            ev_APPR_TAX: 'Duty guarantee accepted',
            ev_CMPL_TAX: 'Duty paid',
            ev_RECE: 'Manifest received by customs',
            ev_REJE: 'Duty payment refused',
            ev_VOID: 'Duty payment voided',
            ev_other: 'Event {code}',
            planned: 'Planned: {what}',
            estimated: 'Expected: {what}',
            exam_H986: 'machine scan (H986)',
            exam_MANUAL: 'manual inspection',
            exam_OPEN: 'open inspection',
            exam_QUARANTINE: 'quarantine inspection',
            exam_CIQ: 'quarantine inspection',
            exam_other: 'inspection ({exam})',
            // a bill
            billTitle: 'Bill of lading {bill}',
            billBoxes: '{n} containers on this bill',
            billBox: '{n} container on this bill',
            lastEvent: 'last: {what}, {when}',
            billEvents: 'For the whole bill',
            open: 'Open',
        },
        zh: {
            pageTitle: '口岸 · 箱货追踪',
            title: '箱货追踪',
            switchLanguage: '切换语言',
            signOut: '退出',
            signInTitle: '您的访问令牌',
            signInHelp: '粘贴发给您的令牌，只需一次；退出前它会保存在本浏览器中。',
            tokenPlaceholder: 'kn_…',
            save: '保存',
            refLabel: '集装箱号或提单号',
            refPlaceholder: 'MSCU1234566 或提单号',
            refHint: '集装箱号为四个字母加七位数字（如 MSCU1234566）；其他号码按提单号查询。',
            track: '查询',
            timesNote: '所有时间均为北京时间（UTC+8）。',
            loading: '正在查询 {ref}…',
            empty: '请输入集装箱号或提单号。',
            badCategory: '{ref} 不是集装箱号：第四个字母应为 U、J 或 Z。',
            badCheckDigit: '{ref}：校验位应为 {want}，而不是 {got}。请核对箱体或单证上的箱号。',
            badBill: '提单号为 1 至 35 个字母、数字或符号，不含空格。',
            e401: '令牌无效：未知或已被吊销。请退出后重新粘贴发给您的令牌。',
            e403: '此令牌无权查看货物信息，请使用货代令牌。',
            e404box: '您的货物中没有此集装箱：{ref}。',
            e404bill: '您的货物中没有此提单：{ref}。',
            e400: '服务器拒绝了该请求：{detail}',
            e503: '服务暂时不可用，请稍后再试。',
            eNetwork: '无法连接口岸服务，请检查网络后重试。',
            eOther: '意外的应答（{status}）：{detail}',
            import: '进口',
            export: '出口',
            unknownDirection: '进出口方向未定',
            nextStep: '下一步',
            why: '原因',
            status: '状态',
            inspectionSlot: '查验时段',
            slotText: '{start} – {end}，{area}',
            timelineTitle: '动态（最新在上）',
            noEvents: '此箱暂无动态。',
            bill: '提单 {bill}',
            truck: '车牌 {plate}',
            route_DIRECT_PICKUP: '船边直提',
            route_INSPECTION_AREA: '直送查验区',
            route_SCAN_LANE: '机检通道',
            route_QUARANTINE: '检疫查验区',
            route_YARD: '进堆场',
            route_LOADING_STACK: '直送装船堆区',
            route_none: '尚未分流',
            next_DIRECT_PICKUP: '请到码头前沿提箱：箱子从岸桥卸下后直接装上您的卡车。',
            next_DIRECT_PICKUP_planned: '船舶靠泊后请到码头前沿提箱：箱子从岸桥卸下后直接装上您的卡车。',
            next_INSPECTION_AREA_slot: '查验时间 {start}，地点 {area}。免预约：该时段已为您分配。',
            next_INSPECTION_AREA: '箱子将直送查验区，查验时段将在此显示。',
            next_SCAN_LANE: '箱子将经过机检通道（H986 机检）；海关审图后即放行提箱。',
            next_QUARANTINE: '箱子将送往检疫查验区。',
            next_YARD: '箱子在堆场等候：{reason}。',
            next_YARD_plain: '箱子在堆场等候海关和税款手续办结。',
            next_LOADING_STACK: '出口箱：直送所配船舶的装船堆区。',
            next_none: '海关和码头尚未决定此箱去向；一旦决定，本页即显示。',
            next_closed_import: '已完成：箱子已提离港区。',
            next_closed_export: '已完成：箱子已装船。',
            phase_NEW: '已登记，尚无计划',
            phase_PLANNED: '待卸船',
            phase_DISCHARGED: '已卸船',
            phase_AT_INSPECTION: '待查验',
            phase_INSPECTED: '已查验，待放行',
            phase_RELEASED: '已放行，可提箱',
            phase_AT_GATE: '已进闸，待装船',
            phase_CLOSED: '已完成',
            ev_DISC: '卸船',
            ev_DISC_vessel: '从 {vessel} 卸船',
            ev_LOAD: '装船',
            ev_LOAD_vessel: '装上 {vessel}',
            ev_GTIN: '进闸',
            ev_GTOT: '出闸提离',
            ev_INSP: '海关查验完毕',
            ev_ARRI: '船舶靠泊',
            ev_ARRI_vessel: '{vessel} 靠泊',
            ev_DEPA: '船舶离泊',
            ev_DEPA_vessel: '{vessel} 离泊',
            ev_HOLD: '海关扣留',
            ev_HOLD_exam: '海关布控查验：{exam}',
            ev_RELS: '海关放行',
            ev_APPR_CUS: '收到海关卸船指令',
            ev_APPR_TAX: '税款担保已受理',
            ev_CMPL_TAX: '税款已缴纳',
            ev_RECE: '海关舱单已接收',
            ev_REJE: '税款缴纳被拒',
            ev_VOID: '税款缴纳已作废',
            ev_other: '事件 {code}',
            planned: '计划：{what}',
            estimated: '预计：{what}',
            exam_H986: '机检（H986）',
            exam_MANUAL: '人工查验',
            exam_OPEN: '开箱查验',
            exam_QUARANTINE: '检疫查验',
            exam_CIQ: '检疫查验',
            exam_other: '查验（{exam}）',
            billTitle: '提单 {bill}',
            billBoxes: '本提单下共 {n} 个集装箱',
            billBox: '本提单下共 {n} 个集装箱',
            lastEvent: '最新：{what}，{when}',
            billEvents: '整票提单',
            open: '查看',
        },
    };

    /* The diversion table's reasons (rules/diversion.dmn), in Chinese; a
     * reason not listed shows as the table wrote it. */
    const REASONS_ZH = {
        'released and duty settled: straight to the truck': '已放行且税款已结清：直接装车',
        'released and duty settled: straight to the truck from the reefer rack': '已放行且税款已结清：从冷藏箱区直接装车',
        'released dangerous goods: collect from the DG stack': '危险品已放行：请到危险品堆区提箱',
        'released, duty not yet paid or guaranteed: yard until it is': '已放行，但税款未缴纳或未担保：在堆场等候至办结',
        'duty not paid or guaranteed: yard until it is': '税款未缴纳或未担保：在堆场等候至办结',
        'held by customs: yard until released': '海关扣留：在堆场等候放行',
        'no customs decision yet: yard': '海关尚未决定：进堆场',
        'no rule applies: yard': '无适用规则：进堆场',
        'not declared before arrival: yard until customs decides': '未在抵港前申报：在堆场等候海关决定',
        'machine scan (H986) ordered: straight to the scan lane': '海关布控机检（H986）：直送机检通道',
        'physical inspection ordered: straight to the inspection area': '海关布控人工查验：直送查验区',
        'physical inspection ordered: straight to the inspection area, reefer plug reserved': '海关布控人工查验：直送查验区，已预留冷藏插座',
        'inspection ordered without an exam type: inspection area': '海关布控查验（未注明方式）：送查验区',
        'quarantine inspection ordered: straight to the quarantine area': '布控检疫查验：直送检疫查验区',
        'scan ordered for dangerous goods: inspection area, not the scan lane': '危险品布控机检：送查验区，不走机检通道',
        'export box: straight to the loading stack': '出口箱：直送装船堆区',
        'export held by customs: yard until released': '出口箱被海关扣留：在堆场等候放行',
        'export inspection ordered at the gate: inspection area': '出口箱进闸布控查验：送查验区',
        'export machine scan ordered: scan lane, then the loading stack': '出口箱布控机检：先过机检通道，再进装船堆区',
        'export quarantine inspection ordered at the gate': '出口箱进闸布控检疫查验',
    };

    const kn = KN.page({strings: STRINGS, tokenKey: 'kouan.track.token', onLang: redraw});
    const t = kn.t;
    const $ = (id) => document.getElementById(id);

    /* what is on show, drawn again when the language changes */
    let shown = null; // {kind: 'box'|'bill'|'message', ...}

    /* ------------------------------------------------------------------ */
    /* what the agent typed                                                */

    const LETTER = {};
    (function () {
        // A=10 .. Z=38, skipping the multiples of 11
        let v = 10;
        for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
            if (v % 11 === 0)
                v++;
            LETTER[c] = v++;
        }
    })();

    function checkDigit(box) {
        let sum = 0;
        for (let i = 0; i < 10; i++) {
            const c = box[i];
            sum += (i < 4 ? LETTER[c] : Number(c)) * (1 << i);
        }
        return (sum % 11) % 10;
    }

    /* {kind: 'box'|'bill', ref} or {error: key, vars} */
    function classify(text) {
        const raw = text.trim().toUpperCase();
        if (!raw)
            return {error: 'empty'};
        const compact = raw.replace(/[\s-]/g, '');
        if (/^[A-Z]{4}[0-9]{7}$/.test(compact)) {
            if (!'UJZ'.includes(compact[3]))
                return {error: 'badCategory', vars: {ref: compact}};
            const want = checkDigit(compact);
            if (want !== Number(compact[10]))
                return {error: 'badCheckDigit', vars: {ref: compact, want, got: compact[10]}};
            return {kind: 'box', ref: compact};
        }
        if (!/^[\x21-\x7e]{1,35}$/.test(raw))
            return {error: 'badBill'};
        return {kind: 'bill', ref: raw};
    }

    /* ------------------------------------------------------------------ */
    /* the API                                                             */

    async function call(path) {
        let r;
        try {
            r = await fetch(path, {headers: {Authorization: 'Bearer ' + kn.token()}, cache: 'no-store'});
        } catch (e) {
            throw {status: 0};
        }
        if (r.ok)
            return {body: await r.json(), next: r.headers.get('Next-Page')};
        let detail = '';
        try {
            detail = (await r.json()).detail || '';
        } catch (e) { /* not a problem document */ }
        throw {status: r.status, detail};
    }

    function failure(err, kind, ref) {
        switch (err.status) {
        case 0: return {key: 'eNetwork', code: 'network'};
        case 401: return {key: 'e401', code: '401'};
        case 403: return {key: 'e403', code: '403'};
        case 404: return {key: kind === 'bill' ? 'e404bill' : 'e404box', code: '404', vars: {ref}};
        case 400: return {key: 'e400', code: '400', vars: {detail: err.detail}};
        case 503: return {key: 'e503', code: '503'};
        default: return {key: 'eOther', code: String(err.status), vars: {status: err.status, detail: err.detail || ''}};
        }
    }

    async function lookUp(found) {
        showMessage({key: 'loading', code: 'loading', vars: {ref: found.ref}, info: true});
        $('result').replaceChildren();
        $('go').disabled = true;
        try {
            if (found.kind === 'box') {
                const r = await call('/v1/containers/' + encodeURIComponent(found.ref) + '/timeline');
                shown = {kind: 'box', ref: found.ref, data: r.body};
            } else {
                let path = '/v2/events?transportDocumentReference=' + encodeURIComponent(found.ref) + '&limit=200';
                const events = [];
                for (let page = 0; path && page < 20; page++) {
                    const r = await call(path);
                    events.push(...r.body);
                    path = r.next;
                }
                if (events.length === 0)
                    throw {status: 404};
                shown = {kind: 'bill', ref: found.ref, events};
            }
        } catch (err) {
            shown = {kind: 'message', message: failure(err, found.kind, found.ref)};
        } finally {
            $('go').disabled = false;
        }
        redraw();
    }

    /* ------------------------------------------------------------------ */
    /* drawing                                                             */

    function showMessage(m) {
        const p = $('message');
        if (!m) {
            p.hidden = true;
            p.removeAttribute('data-error');
            return;
        }
        p.textContent = t(m.key, m.vars);
        p.dataset.error = m.code;
        p.classList.toggle('info', !!m.info);
        p.hidden = false;
    }

    function code(e) {
        return e.equipmentEventTypeCode || e.transportEventTypeCode || e.shipmentEventTypeCode || '';
    }

    function vesselOf(e) {
        const v = e.transportCall && e.transportCall.vessel;
        return v && v.vesselName ? v.vesselName : null;
    }

    function exam(type) {
        const key = 'exam_' + type;
        return STRINGS.en[key] ? t(key) : t('exam_other', {exam: type});
    }

    /* the event in plain words */
    function what(e) {
        const c = code(e);
        const vessel = vesselOf(e);
        let s;
        if (['DISC', 'LOAD', 'ARRI', 'DEPA'].includes(c))
            s = vessel ? t('ev_' + c + '_vessel', {vessel}) : t('ev_' + c);
        else if (c === 'HOLD')
            s = e.examType ? t('ev_HOLD_exam', {exam: exam(e.examType)}) : t('ev_HOLD');
        else if ((c === 'APPR' || c === 'CMPL') && STRINGS.en['ev_' + c + '_' + e.documentTypeCode])
            s = t('ev_' + c + '_' + e.documentTypeCode);
        else if (STRINGS.en['ev_' + c] && c !== 'APPR' && c !== 'CMPL')
            s = t('ev_' + c);
        else
            s = t('ev_other', {code: c || e.eventType});
        if (e.eventClassifierCode === 'PLN')
            s = t('planned', {what: s});
        else if (e.eventClassifierCode === 'EST')
            s = t('estimated', {what: s});
        return s;
    }

    function where(e, box) {
        const parts = [];
        const tc = e.transportCall || {};
        if (tc.facilityCode)
            parts.push(tc.facilityCode);
        if (e.truckLicensePlate)
            parts.push(t('truck', {plate: e.truckLicensePlate}));
        if (!e.equipmentReference && e.transportDocumentReference)
            parts.push(t('bill', {bill: e.transportDocumentReference}));
        else if (box && e.equipmentReference && e.equipmentReference !== box)
            parts.push(e.equipmentReference);
        return parts.join(' · ');
    }

    function timeline(events, box) {
        if (!events.length)
            return el('p', {class: 'hint'}, t('noEvents'));
        const items = events.slice().reverse().map((e) =>
            el('li', {data: {code: code(e), type: e.eventType}},
               el('span', {class: 'code'}, code(e)),
               el('div', {class: 'when'}, beijing(e.eventDateTime)),
               el('div', {class: 'what'}, what(e)),
               el('div', {class: 'where'}, where(e, box))));
        return el('ol', {class: 'timeline', id: 'timeline'}, ...items);
    }

    function reasonText(reason) {
        if (!reason)
            return '';
        return kn.lang === 'zh' && REASONS_ZH[reason] ? REASONS_ZH[reason] : reason;
    }

    /* the broker names an area "XHCT inspection area" */
    function areaText(area) {
        return kn.lang === 'zh' ? String(area).replace(/ inspection area$/, ' 查验区') : area;
    }

    function nextStep(visit) {
        const route = visit && visit.route;
        if (!visit || !route)
            return t('next_none');
        if (visit.closed)
            return t(visit.direction === 'export' ? 'next_closed_export' : 'next_closed_import');
        const slot = visit.inspectionSlot;
        switch (route) {
        case 'DIRECT_PICKUP':
            return t(visit.phase === 'PLANNED' ? 'next_DIRECT_PICKUP_planned' : 'next_DIRECT_PICKUP');
        case 'INSPECTION_AREA':
            return slot ? t('next_INSPECTION_AREA_slot', {start: beijing(slot.start), area: areaText(slot.area)})
                        : t('next_INSPECTION_AREA');
        case 'YARD':
            return visit.reason ? t('next_YARD', {reason: reasonText(visit.reason)}) : t('next_YARD_plain');
        default:
            return STRINGS.en['next_' + route] ? t('next_' + route) : t('next_none');
        }
    }

    function drawBox(data) {
        const visit = data.visit || null;
        const route = visit && visit.route ? visit.route : '';
        const direction = visit && (visit.direction === 'import' || visit.direction === 'export')
            ? t(visit.direction) : t('unknownDirection');
        const facts = el('dl', {class: 'facts'});
        if (visit && visit.phase)
            facts.append(el('dt', {}, t('status')),
                         el('dd', {id: 'phase', data: {phase: visit.phase}},
                            STRINGS.en['phase_' + visit.phase] ? t('phase_' + visit.phase) : visit.phase));
        if (visit && visit.reason)
            facts.append(el('dt', {}, t('why')), el('dd', {id: 'reason'}, reasonText(visit.reason)));
        let slot = null;
        if (visit && visit.inspectionSlot) {
            const s = visit.inspectionSlot;
            const end = new Date(new Date(s.start).getTime() + 3600 * 1000).toISOString();
            slot = el('p', {class: 'slot', id: 'slot'},
                      el('strong', {}, t('inspectionSlot') + ': '),
                      t('slotText', {start: beijing(s.start), end: beijing(end).slice(11), area: areaText(s.area)}));
        }
        const summary = el('div', {class: 'card'},
            el('div', {class: 'boxno'}, el('strong', {id: 'box-number'}, data.equipmentReference),
               el('span', {class: 'chip'}, direction)),
            el('div', {class: 'route', id: 'route', data: {route: route || 'none'}},
               t(route && STRINGS.en['route_' + route] ? 'route_' + route : 'route_none')),
            el('h3', {}, t('nextStep')),
            el('p', {class: 'next', id: 'next'}, nextStep(visit)),
            slot, facts);
        return [summary, el('div', {class: 'card'}, el('h3', {}, t('timelineTitle')),
                            timeline(data.events || [], data.equipmentReference))];
    }

    function drawBill(ref, events) {
        /* its boxes in the order they first appear, each with its latest event */
        const boxes = new Map();
        const billOnly = [];
        for (const e of events) {
            if (e.equipmentReference)
                boxes.set(e.equipmentReference, e);
            else
                billOnly.push(e);
        }
        const list = el('ul', {class: 'boxes', id: 'bill-boxes'});
        for (const [box, last] of boxes) {
            const b = el('button', {type: 'button', data: {box}},
                         el('span', {}, el('strong', {}, box), el('br'),
                            el('span', {class: 'last'}, t('lastEvent', {what: what(last), when: beijing(last.eventDateTime)}))),
                         el('span', {'aria-hidden': 'true'}, '›'));
            b.addEventListener('click', () => go(box));
            list.append(el('li', {}, b));
        }
        const head = el('div', {class: 'card'}, el('h2', {}, t('billTitle', {bill: ref})),
                        el('p', {class: 'hint'}, t(boxes.size === 1 ? 'billBox' : 'billBoxes', {n: boxes.size})));
        const parts = [head, list];
        if (billOnly.length)
            parts.push(el('div', {class: 'card'}, el('h3', {}, t('billEvents')), timeline(billOnly, null)));
        return parts;
    }

    function redraw() {
        const signedIn = !!kn.token();
        $('signin').hidden = signedIn;
        $('search').hidden = !signedIn;
        $('signout').hidden = !signedIn;
        const result = $('result');
        if (!shown) {
            showMessage(null);
            result.replaceChildren();
            return;
        }
        if (shown.kind === 'message') {
            showMessage(shown.message);
            result.replaceChildren();
        } else {
            showMessage(null);
            result.replaceChildren(...(shown.kind === 'box' ? drawBox(shown.data) : drawBill(shown.ref, shown.events)));
            result.dataset.kind = shown.kind;
        }
    }

    /* ------------------------------------------------------------------ */
    /* what the agent does                                                 */

    function go(text) {
        $('ref').value = text;
        const found = classify(text);
        if (found.error) {
            shown = {kind: 'message', message: {key: found.error, code: 'invalid', vars: found.vars}};
            redraw();
            return;
        }
        $('ref').value = found.ref;
        if (location.hash.slice(1) !== encodeURIComponent(found.ref))
            history.replaceState(null, '', '#' + encodeURIComponent(found.ref));
        lookUp(found);
    }

    $('signin-form').addEventListener('submit', (ev) => {
        ev.preventDefault();
        const token = $('token').value.trim();
        if (!token)
            return;
        kn.setToken(token);
        $('token').value = '';
        shown = null;
        redraw();
        $('ref').focus();
    });

    $('search-form').addEventListener('submit', (ev) => {
        ev.preventDefault();
        go($('ref').value);
    });

    $('signout').addEventListener('click', () => {
        kn.clearToken();
        shown = null;
        history.replaceState(null, '', location.pathname);
        redraw();
    });

    redraw();
    const start = decodeURIComponent(location.hash.slice(1));
    if (start && kn.token())
        go(start);
})();
