/* kouan — the pages in a real browser (Debian's Chromium, driven by
 * playwright-core), against a running kouan api whose database holds the
 * small simulated day.  tests/integration/test_browser.sh sets that up and
 * passes it in the environment:
 *
 *   KN_API            base URL of kouan api
 *   KN_CONNINFO       the database (psql), for what the pages must show
 *   KOUAN, KN_CONF    to send one more discharge through the broker
 *   KN_WORK           a scratch directory
 *   KN_ARTIFACTS      where the screenshots go (kept after the test)
 *   KN_NODE_MODULES   where npm ci put playwright-core
 *   KN_CHROMIUM       the browser (default /usr/bin/chromium)
 *   KN_AGENT, KN_TOKEN_AGENT      an agent and its token
 *   KN_BOX            a box of that agent's cargo
 *   KN_OTHER_BOX      a box of another company's
 *   KN_TOKEN_OFFICER  an officer's token
 *
 * Checked: (a) /track as the agent: the box's timeline has the event codes
 * of the database, newest first, with their Beijing times; the route and
 * the next step; Chinese and English switch every string and the choice is
 * kept; a bill lists its boxes; a container number with a wrong check digit
 * is refused before anything is sent; another company's box is "not
 * found"; a wrong token says so.  (b) /dashboard as the officer: every
 * counter equals what SQL says; one more discharge sent through the broker
 * moves "boxes discharged" within seconds, without a reload; a wrong token
 * and an agent's token are refused.  No page logs a script error or a
 * content-security-policy violation.  Prints "N passed, N failed"; exits
 * non-zero on the first failure, with a screenshot of the page. */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');

function env(name) {
    const v = process.env[name];
    if (!v) {
        console.error(`FAIL: ${name} is not set`);
        process.exit(2);
    }
    return v;
}

const API = env('KN_API');
const CONNINFO = env('KN_CONNINFO');
const KOUAN = env('KOUAN');
const CONF = env('KN_CONF');
const WORK = env('KN_WORK');
const ARTIFACTS = env('KN_ARTIFACTS');
const AGENT = env('KN_AGENT');
const TOKEN_AGENT = env('KN_TOKEN_AGENT');
const TOKEN_OFFICER = env('KN_TOKEN_OFFICER');
const BOX = env('KN_BOX');
const OTHER_BOX = env('KN_OTHER_BOX');
const CHROMIUM = process.env.KN_CHROMIUM || '/usr/bin/chromium';
const {chromium} = require(path.join(env('KN_NODE_MODULES'), 'playwright-core'));

/* the whole run is bounded: a hung browser fails the test */
const watchdog = setTimeout(() => {
    console.error('FAIL: the browser tests did not finish within 180 s');
    process.exit(1);
}, 180000);

let passed = 0;
let current = null; // the page to photograph when a check fails

class Failure extends Error {}

function pass(what) {
    passed++;
    console.log('ok - ' + what);
}

function check(cond, what, detail) {
    if (!cond)
        throw new Failure(what + (detail ? ': ' + detail : ''));
    pass(what);
}

function eq(expected, actual, what) {
    const e = JSON.stringify(expected), a = JSON.stringify(actual);
    check(e === a, what, `expected ${e}, got ${a}`);
}

function sql(query) {
    return execFileSync('psql', [CONNINFO, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', query],
                        {encoding: 'utf8', timeout: 15000}).trim();
}

function lit(s) {
    return "'" + String(s).replace(/'/g, "''") + "'";
}

async function shot(page, name) {
    await page.screenshot({path: path.join(ARTIFACTS, name + '.png'), fullPage: true});
}

/* Script errors and policy violations; a refused fetch (401, 404) is the
 * page's business and shows on it. */
function watch(page, problems) {
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
            problems.push('console: ' + m.text());
    });
}

async function text(page, selector) {
    return (await page.locator(selector).first().textContent({timeout: 10000})).trim();
}

/* ISO 6346 check digit of the first ten characters */
function checkDigit(box) {
    const letter = {};
    let v = 10;
    for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
        if (v % 11 === 0)
            v++;
        letter[c] = v++;
    }
    let sum = 0;
    for (let i = 0; i < 10; i++)
        sum += (i < 4 ? letter[box[i]] : Number(box[i])) * (1 << i);
    return (sum % 11) % 10;
}

/* ------------------------------------------------------------------------ */
/* (a) the tracking page                                                    */

async function trackPage(browser) {
    const context = await browser.newContext({
        viewport: {width: 390, height: 844}, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
        locale: 'en-US'});
    const page = await context.newPage();
    current = page;
    const problems = [];
    watch(page, problems);
    let timelineCalls = 0;
    page.on('request', (r) => { if (r.url().includes('/timeline')) timelineCalls++; });

    await page.goto(API + '/track');
    eq('en', await page.evaluate(() => document.documentElement.lang), 'English by default for an English browser');
    check(await page.locator('#signin').isVisible(), 'the page asks for the token first');
    await shot(page, 'track-signin-en');

    await page.fill('#token', TOKEN_AGENT);
    await page.click('#signin-form button[type=submit]');
    await page.locator('#search').waitFor({state: 'visible'});
    eq(TOKEN_AGENT, await page.evaluate(() => localStorage.getItem('kouan.track.token')),
       'the token is kept in this browser');

    /* a wrong check digit: refused before anything is sent */
    const wrong = BOX.slice(0, 10) + String((checkDigit(BOX) + 1) % 10);
    await page.fill('#ref', wrong);
    await page.click('#go');
    await page.locator('#message[data-error="invalid"]').waitFor();
    const why = await text(page, '#message');
    check(why.includes('check digit should be ' + checkDigit(BOX)), 'a wrong check digit is named', why);
    eq(0, timelineCalls, 'and nothing was asked of the server');

    /* the agent's box */
    await page.fill('#ref', BOX.toLowerCase());
    await page.click('#go');
    await page.locator('#timeline li').first().waitFor();
    const rows = sql(`SELECT event_code || '|' || coalesce(to_char(event_datetime AT TIME ZONE 'Asia/Shanghai',
                          'YYYY-MM-DD HH24:MI'), '') FROM event e
                      WHERE e.equipment_reference = ${lit(BOX)} OR (e.equipment_reference IS NULL AND
                          e.transport_document_reference IN (SELECT t.transport_document_reference FROM event t
                          WHERE t.equipment_reference = ${lit(BOX)}))
                      ORDER BY e.event_datetime NULLS LAST, e.id`).split('\n').reverse();
    const codes = await page.$$eval('#timeline li', (lis) => lis.map((li) => li.dataset.code));
    eq(rows.map((r) => r.split('|')[0]), codes, `the timeline of ${BOX} has the database's events, newest first`);
    const whens = await page.$$eval('#timeline li .when', (ns) => ns.map((n) => n.textContent));
    eq(rows.map((r) => r.split('|')[1]), whens, 'each dated in Beijing time');
    eq(BOX, await text(page, '#box-number'), 'the number typed in lower case is looked up in capitals');

    const visit = sql(`SELECT coalesce(route, 'none') || '|' || (closed_at IS NOT NULL) || '|' || direction
                       FROM visit WHERE equipment_reference = ${lit(BOX)} ORDER BY opened_at DESC, id DESC LIMIT 1`).split('|');
    const route = visit[0];
    eq(route, await page.getAttribute('#route', 'data-route'), `the route is the visit's (${route})`);
    const routeEn = await text(page, '#route');
    const nextEn = await text(page, '#next');
    check(routeEn.length > 0 && !routeEn.startsWith('route_'), 'the route is said in words', routeEn);
    if (visit[1] === 't')
        eq(visit[2] === 'export' ? 'Done: your box is on its vessel.' : 'Done: your box has left the port.',
           nextEn, 'the next step of a box that left');
    else
        check(nextEn.length > 20 && !nextEn.startsWith('next_'), 'the next step is said in words', nextEn);
    const nextHeading = await text(page, '#result h3');
    eq('Next step', nextHeading, 'English headings');
    await shot(page, 'track-box-en');

    /* Chinese: every string switches, the data stays */
    await page.click('#lang');
    eq('zh-CN', await page.evaluate(() => document.documentElement.lang), 'the toggle switches to Chinese');
    eq('下一步', await text(page, '#result h3'), 'the headings are Chinese');
    eq('口岸 · 箱货追踪', await page.title(), 'and the title');
    const routeZh = await text(page, '#route');
    check(routeZh !== routeEn && /[\u4e00-\u9fff]/.test(routeZh), 'the route is said in Chinese', routeZh);
    check(/[\u4e00-\u9fff]/.test(await text(page, '#next')), 'the next step too');
    check(/[\u4e00-\u9fff]/.test(await text(page, '#timeline li .what')), 'and the events');
    eq(codes, await page.$$eval('#timeline li', (lis) => lis.map((li) => li.dataset.code)), 'the same events');
    eq('English', await text(page, '#lang'), 'the toggle names the other language');
    await shot(page, 'track-box-zh');

    /* the choice and the box survive a reload (the box is in the address) */
    await page.reload();
    await page.locator('#timeline li').first().waitFor();
    eq('下一步', await text(page, '#result h3'), 'after a reload: still Chinese, the box shown again');
    await page.click('#lang');
    eq('Next step', await text(page, '#result h3'), 'and back to English');

    /* a bill: its boxes */
    const bill = sql(`SELECT transport_document_reference FROM event WHERE equipment_reference = ${lit(BOX)}
                      AND transport_document_reference IS NOT NULL ORDER BY id LIMIT 1`);
    await page.fill('#ref', bill);
    await page.click('#go');
    await page.locator('#bill-boxes li').first().waitFor();
    const boxes = await page.$$eval('#bill-boxes button', (bs) => bs.map((b) => b.dataset.box));
    const want = sql(`SELECT equipment_reference FROM event WHERE transport_document_reference = ${lit(bill)}
                      AND equipment_reference IS NOT NULL GROUP BY 1 ORDER BY min(id)`).split('\n');
    eq(want, boxes, `bill ${bill} lists its ${want.length} boxes`);
    await shot(page, 'track-bill-en');
    await page.click(`#bill-boxes button[data-box="${BOX}"]`);
    await page.locator('#timeline li').first().waitFor();
    eq(BOX, await text(page, '#box-number'), 'a box of the bill opens its timeline');

    /* the words for what the small day has none of (a slot in the
     * inspection area, a reason in Chinese): the server's answer stood in for */
    const slotBox = 'MSCU1234566';
    await page.route(`**/v1/containers/${slotBox}/timeline`, (r) => r.fulfill({
        status: 200, contentType: 'application/json',
        body: JSON.stringify({
            equipmentReference: slotBox,
            visit: {direction: 'import', phase: 'AT_INSPECTION', route: 'INSPECTION_AREA',
                    reason: 'physical inspection ordered: straight to the inspection area',
                    inspectionSlot: {area: 'XHCT inspection area', start: '2026-11-22T14:00:00+08:00'},
                    closed: false},
            events: [{eventType: 'EQUIPMENT', eventClassifierCode: 'ACT', equipmentEventTypeCode: 'DISC',
                      eventDateTime: '2026-11-22T06:30:00+08:00', equipmentReference: slotBox}]})}));
    await page.fill('#ref', slotBox);
    await page.click('#go');
    await page.locator('#slot').waitFor();
    eq('Inspection at 2026-11-22 14:00 in XHCT inspection area. No appointment needed: the slot is yours.',
       await text(page, '#next'), 'an inspection slot: when and where, in plain words');
    eq('Inspection slot: 2026-11-22 14:00 – 15:00, XHCT inspection area', await text(page, '#slot'),
       'and the hour it holds');
    await page.click('#lang');
    eq('查验时间 2026-11-22 14:00，地点 XHCT 查验区。免预约：该时段已为您分配。', await text(page, '#next'),
       'in Chinese');
    eq('海关布控人工查验：直送查验区', await text(page, '#reason'), "the table's reason in Chinese");
    await shot(page, 'track-slot-zh');
    await page.click('#lang');
    await page.unroute(`**/v1/containers/${slotBox}/timeline`);

    /* another company's box: as if it did not exist */
    await page.fill('#ref', OTHER_BOX);
    await page.click('#go');
    await page.locator('#message[data-error="404"]').waitFor();
    eq(`No such container among your cargo: ${OTHER_BOX}.`, await text(page, '#message'),
       "another company's box is not found");
    eq(0, await page.locator('#timeline').count(), 'and nothing of it shows');
    await shot(page, 'track-notfound-en');

    /* signing out forgets the token; a wrong one says so */
    await page.click('#signout');
    await page.locator('#signin').waitFor({state: 'visible'});
    eq(null, await page.evaluate(() => localStorage.getItem('kouan.track.token')), 'sign out forgets the token');
    await page.fill('#token', 'kn_' + 'x'.repeat(43));
    await page.click('#signin-form button[type=submit]');
    await page.fill('#ref', BOX);
    await page.click('#go');
    await page.locator('#message[data-error="401"]').waitFor();
    check((await text(page, '#message')).startsWith('Token not valid'), 'a wrong token: "token not valid"');
    await page.click('#lang');
    check((await text(page, '#message')).startsWith('令牌无效'), 'in Chinese too');
    await shot(page, 'track-badtoken-zh');

    eq([], problems, 'the tracking page logged no script error or policy violation');
    await context.close();
}

/* ------------------------------------------------------------------------ */
/* (b) the big screen                                                       */

/* The figures the dashboard must show, from SQL written apart from the
 * server's. */
function expectedFigures() {
    const day = sql(`SELECT to_char(max(event_datetime) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') FROM event
                     WHERE classifier = 'ACT'`);
    const onDay = (col) => `(${col} AT TIME ZONE 'Asia/Shanghai')::date = ${lit(day)}::date`;
    const disc = `SELECT DISTINCT equipment_reference FROM event WHERE event_code = 'DISC' AND classifier = 'ACT'
                  AND equipment_reference IS NOT NULL AND ${onDay('event_datetime')}`;
    const routes = {};
    for (const line of sql(`SELECT coalesce(route, ''), count(*) FROM visit v WHERE equipment_reference IN (${disc})
                            AND opened_at = (SELECT max(opened_at) FROM visit w
                                             WHERE w.equipment_reference = v.equipment_reference)
                            GROUP BY 1`).split('\n').filter(Boolean)) {
        const [r, n] = line.split('|');
        routes[r] = Number(n);
    }
    const n = (r) => routes[r] || 0;
    return {
        day,
        discharged: sql(`SELECT count(*) FROM (${disc}) d`),
        direct: String(n('DIRECT_PICKUP')),
        inspection: String(n('INSPECTION_AREA') + n('SCAN_LANE')),
        yard: String(n('YARD')),
        moves: String(n('DIRECT_PICKUP') + 2 * (n('INSPECTION_AREA') + n('SCAN_LANE'))),
        vessels: sql(`SELECT count(*) FROM (SELECT DISTINCT ON (vessel_imo) vessel_imo, event_datetime FROM event
                      WHERE event_code = 'ARRI' AND classifier = 'ACT'
                      ORDER BY vessel_imo, event_datetime DESC) a
                      WHERE NOT EXISTS (SELECT 1 FROM event d WHERE d.event_code = 'DEPA' AND d.classifier = 'ACT'
                                        AND d.vessel_imo = a.vessel_imo AND d.event_datetime >= a.event_datetime)`),
        berthToGate: sql(`SELECT coalesce(round((percentile_cont(0.5) WITHIN GROUP (ORDER BY
                              extract(epoch FROM g.event_datetime - d.event_datetime) / 60))::numeric)::text, '–')
                          FROM event g JOIN event d ON d.equipment_reference = g.equipment_reference
                          AND d.event_code = 'DISC' AND d.classifier = 'ACT'
                          WHERE g.event_code = 'GTOT' AND g.classifier = 'ACT' AND ${onDay('g.event_datetime')}`),
        warnings: sql(`SELECT (SELECT count(*) FROM event WHERE has_warnings AND
                                  ${onDay('coalesce(event_datetime, created_at)')})
                            + (SELECT count(*) FROM inbound WHERE status = 'rejected' AND ${onDay('received_at')})`),
    };
}

async function shownFigures(page) {
    const get = (id) => text(page, '#' + id);
    return {
        day: await get('day'),
        discharged: await get('discharged'),
        direct: await get('route-direct'),
        inspection: await get('route-inspection'),
        yard: await get('route-yard'),
        moves: await get('moves-saved'),
        vessels: await get('vessels'),
        berthToGate: await get('berth-to-gate'),
        warnings: await get('warnings'),
    };
}

/* A COARRI discharge report of one new box on the dashboard's day, as the
 * terminal sends them (shaped on shared/samples/terminal/coarri-discharge.edi). */
function dischargeReport(day, box) {
    const ymd = day.replace(/-/g, '');
    const body = [
        "UNH+1+COARRI:D:95B:UN:ITG13'",
        `BGM+44+KN-BROWSER-${box}+9'`,
        "TDT+20+118E+1++COS:172:20+++9812345:146::COSCO XIAMEN'",
        "LOC+11+CNXMN:139:6+XHCT:TER:ZZZ'",
        `DTM+178:${ymd}0600:203'`,
        "NAD+CF+COS:172:20'",
        `EQD+CN+${box}+22G1:102:5++3+5'`,
        `RFF+BM:KNB${box.slice(4)}'`,
        `DTM+203:${ymd}0930:203'`,
        "LOC+147+0120282::5'",
        "MEA+AAE+G+KGM:18020'",
        "CNT+16:1'",
    ];
    body.push(`UNT+${body.length + 1}+1'`);
    return ["UNA:+.? '", `UNB+UNOA:2+XHCT+KOUAN+${ymd.slice(2)}:0930+KNB${box.slice(4)}'`, ...body,
            `UNZ+1+KNB${box.slice(4)}'`].join('\r\n') + '\r\n';
}

async function dashboard(browser) {
    const context = await browser.newContext({viewport: {width: 1920, height: 1080}, locale: 'en-US'});
    const page = await context.newPage();
    current = page;
    const problems = [];
    watch(page, problems);

    await page.goto(API + '/dashboard');
    check(await page.locator('#signin').isVisible(), 'the big screen asks for a token first');
    await page.fill('#token', TOKEN_OFFICER);
    await page.click('#signin-form button[type=submit]');
    await page.locator('#figures').waitFor({state: 'visible'});
    await page.locator('#live[data-state="live"]').waitFor();
    pass('the officer\'s stream is live');

    const before = expectedFigures();
    eq(before, await shownFigures(page), 'every counter is what SQL says');
    check(Number(before.discharged) > 0, 'the simulated day discharged boxes', before.discharged);
    await shot(page, 'dashboard-before');

    /* one more discharge through the broker, as the terminal */
    let box;
    do {
        box = 'KNBU' + String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
        box += checkDigit(box);
    } while (sql(`SELECT count(*) FROM event WHERE equipment_reference = ${lit(box)}`) !== '0');
    const file = path.join(WORK, `coarri-${box}.edi`);
    fs.writeFileSync(file, dischargeReport(before.day, box));
    const sent = Date.now();
    execFileSync(KOUAN, ['send', '-c', CONF, file], {encoding: 'utf8', timeout: 30000, stdio: 'pipe'});
    eq('1', sql(`SELECT count(*) FROM event WHERE equipment_reference = ${lit(box)} AND event_code = 'DISC'`),
       `the broker took the discharge of ${box}`);
    const want = String(Number(before.discharged) + 1);
    await page.locator('#discharged', {hasText: new RegExp('^' + want + '$')}).waitFor({timeout: 8000});
    pass(`"boxes discharged" went ${before.discharged} → ${want} without a reload, ` +
         `${((Date.now() - sent) / 1000).toFixed(1)} s after the send`);
    await page.waitForTimeout(2500); // one more tick, for the routes too
    const after = expectedFigures();
    eq(want, after.discharged, 'as SQL says');
    eq(after, await shownFigures(page), 'and every counter still agrees with SQL');
    await shot(page, 'dashboard-after');

    await page.click('#lang');
    eq('卸船箱量', await text(page, '#figures .tile:nth-child(2) h2'), 'the big screen speaks Chinese too');
    check(/[\u4e00-\u9fff]/.test(await text(page, '#definitions p')), 'definitions included');
    await shot(page, 'dashboard-zh');
    await page.click('#lang');

    /* refused tokens */
    await page.click('#signout');
    await page.fill('#token', 'kn_' + 'y'.repeat(43));
    await page.click('#signin-form button[type=submit]');
    await page.locator('#message[data-error="401"]').waitFor();
    check((await text(page, '#message')).startsWith('Token not valid'), 'a wrong token: "token not valid"');
    check(await page.locator('#figures').isHidden(), 'and no figures');
    await page.click('#signout');
    await page.fill('#token', TOKEN_AGENT);
    await page.click('#signin-form button[type=submit]');
    await page.locator('#message[data-error="403"]').waitFor();
    pass("an agent's token is refused (403)");
    await shot(page, 'dashboard-refused');

    eq([], problems, 'the big screen logged no script error or policy violation');
    await context.close();
}

/* ------------------------------------------------------------------------ */

(async () => {
    fs.mkdirSync(ARTIFACTS, {recursive: true});
    const started = Date.now();
    let browser;
    try {
        browser = await chromium.launch({executablePath: CHROMIUM, headless: true, timeout: 30000,
                                         args: ['--disable-gpu', '--disable-dev-shm-usage']});
    } catch (e) {
        console.error('FAIL: Chromium does not start from ' + CHROMIUM + ': ' + e.message);
        process.exit(1);
    }
    pass(`Chromium ${browser.version()} started`);
    let status = 0;
    try {
        await trackPage(browser);
        await dashboard(browser);
    } catch (e) {
        status = 1;
        console.error('FAIL: ' + (e instanceof Failure ? e.message : e.stack || e));
        if (current) {
            try {
                await current.screenshot({path: path.join(ARTIFACTS, 'failure.png'), fullPage: true});
                console.error('the page as it was: ' + path.join(ARTIFACTS, 'failure.png'));
            } catch (e2) { /* the page is gone */ }
        }
    }
    await browser.close();
    clearTimeout(watchdog);
    console.log(`browser tests took ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${ARTIFACTS}`);
    console.log(`${passed} passed, ${status} failed`);
    process.exit(status);
})();
