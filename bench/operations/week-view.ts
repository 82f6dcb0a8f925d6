/**
 * The calendar's week view in Chromium through the built browser host: 2,000 appointments,
 * 10 clinicians, 5 rooms, one week. Timed in the page, from the click that shows the week to the
 * animation frame after the 2,000th appointment is in the DOM. Peer: 2,000 absolutely positioned
 * divs set by innerHTML in the same browser (the floor of drawing that many boxes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../playwright.config';
import { addDays, localDate, localToEpochString, mondayOf } from '../../common/time';

const root = join(import.meta.dirname, '..', '..');
const PASSWORD = 'correct horse battery staple';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function call(page: Page, path: string, input: unknown): Promise<unknown> {
  return page.evaluate(async ({ path, input }) => {
    const res = await fetch(`/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    const body = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
    if (!res.ok) throw new Error(`${path}: ${body.error?.message}`);
    return body.result?.data;
  }, { path, input });
}

/** In the page (a string: the node typecheck has no DOM): click, then wait for `count` appointments and one more frame. */
async function timeClick(page: Page, button: string, count: number): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const el = [...document.querySelectorAll('button, label')].find((b) => b.getAttribute('aria-label') === ${JSON.stringify(button)} || b.textContent.trim() === ${JSON.stringify(button)});
    if (!el) return reject(new Error('no button'));
    const t0 = performance.now();
    el.click();
    const tick = () => {
      if (document.querySelectorAll('[data-testid=appt]').length === ${count}) requestAnimationFrame(() => resolve(performance.now() - t0));
      else if (performance.now() - t0 > 30000) reject(new Error('timeout'));
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })`);
}

/** The peer: 2,000 absolutely positioned divs by innerHTML, timed to the next frame. */
const PEER = `new Promise((resolve) => {
  const host = document.createElement('div');
  host.style.cssText = 'position:fixed;inset:0;z-index:9999;background:white';
  document.body.appendChild(host);
  const t0 = performance.now();
  host.innerHTML = Array.from({ length: 2000 }, (_, i) => '<div style="position:absolute;left:' + (i % 70) * 20 + 'px;top:' + Math.floor(i / 70) * 30 + 'px;width:18px;height:28px;background:#1c7ed6;color:white;font-size:11px;overflow:hidden">09:00 Week' + i + '</div>').join('');
  requestAnimationFrame(() => { const ms = performance.now() - t0; host.remove(); resolve(ms); });
})`;

export async function weekViewBench(runs: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-bench-week-'));
  const host = spawn(process.execPath, [join(root, 'out', 'main', 'host.js')], { cwd: root, env: { ...process.env, COHERENCY_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'] });
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const url = await new Promise<string>((resolve) => {
      let buf = '';
      host.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /COHERENCY_LAUNCH_URL=(\S+)/.exec(buf);
        if (m) resolve(m[1]!);
      });
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(url);
    const clinic = (await call(page, 'clinic.enrol', { name: 'Bench Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD }, twoFactorRoles: [] })) as { id: string };
    await call(page, 'auth.login', { clinicId: clinic.id, username: 'admin', password: PASSWORD });
    await call(page, 'staff.create', { username: 'manager', displayName: 'Mia Manager', password: PASSWORD, roles: ['manager'] });
    const nurses: string[] = [];
    for (let i = 0; i < 10; i++) nurses.push(((await call(page, 'staff.create', { username: `nurse${i}`, displayName: `Nurse ${String(i).padStart(2, '0')}`, password: PASSWORD, roles: ['nurse'] })) as { id: string }).id);
    await call(page, 'auth.login', { clinicId: clinic.id, username: 'manager', password: PASSWORD });
    const cmd = (path: string, args: unknown) => call(page, path, { commandId: crypto.randomUUID(), args });
    await cmd('operations.updateSettings', { timeZone: 'UTC' });
    const rooms: string[] = [];
    for (let i = 0; i < 5; i++) rooms.push(((await cmd('bookings.defineRoom', { roomId: crypto.randomUUID(), name: `Room ${i}` })) as { roomId: string }).roomId);
    const typeId = ((await cmd('bookings.defineType', { typeId: crypto.randomUUID(), name: 'Dressing change', defaultMinutes: 30, colour: '#1c7ed6' })) as { typeId: string }).typeId;
    const patients: string[] = [];
    for (let i = 0; i < 50; i++) patients.push(((await call(page, 'patients.create', { mrn: `WEEK-${i}`, givenName: 'Pat', familyName: `Week${i}`, dateOfBirth: '1950-01-01', sex: 'unknown' })) as { id: string }).id);
    // Next week: 2,000 appointments, 10 clinicians × 7 days × about 29 a day (double-booked on purpose).
    const monday = addDays(mondayOf(localDate(Date.now(), 'UTC')), 7);
    const t0 = performance.now();
    await page.evaluate(
      async ({ nurses, rooms, patients, typeId, base }) => {
        for (let i = 0; i < 2000; i++) {
          const day = i % 7;
          const slot = Math.floor(i / 70);
          const startsAt = base + day * 86_400_000 + 7 * 3_600_000 + slot * 20 * 60_000;
          const args = { appointmentId: crypto.randomUUID(), patientId: patients[i % patients.length], typeId, staffId: nurses[Math.floor(i / 7) % 10], roomId: rooms[i % 5], startsAt, override: true };
          const res = await fetch('/trpc/bookings.book', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ commandId: crypto.randomUUID(), args }) });
          if (!res.ok) throw new Error(await res.text());
        }
      },
      { nurses, rooms, patients, typeId, base: localToEpochString(monday, 'UTC') },
    );
    const seeded = performance.now() - t0;
    await page.reload();
    await page.getByRole('button', { name: 'Clinic operations' }).click();
    await page.getByRole('tab', { name: 'Calendar' }).click();
    await page.getByTestId('week-grid').waitFor();
    const first = await timeClick(page, 'Next', 2000);
    const cached: number[] = [];
    const byRoom: number[] = [];
    for (let r = 0; r < runs; r++) {
      await timeClick(page, 'Previous', 0);
      cached.push(await timeClick(page, 'Next', 2000));
    }
    for (let r = 0; r < runs; r++) {
      byRoom.push(await timeClick(page, 'By room', 2000));
      await timeClick(page, 'By clinician', 2000);
    }
    // Peer: the same number of boxes, absolutely positioned, by innerHTML.
    const peer: number[] = [];
    for (let r = 0; r < runs; r++) {
      peer.push(await page.evaluate<number>(PEER));
    }
    console.log(`3. week view: 2,000 appointments, 10 clinicians, 5 rooms, in Chromium (seeded through the API in ${(seeded / 1000).toFixed(1)} s)`);
    console.log(`   first show of the week (fetch + render): ${first.toFixed(0)} ms; median of ${runs} shows from the cache: ${median(cached).toFixed(0)} ms (goal < 200 ms); by room: ${median(byRoom).toFixed(0)} ms`);
    console.log(`   peer, 2,000 absolutely positioned divs by innerHTML: ${median(peer).toFixed(0)} ms → ratio ${(median(cached) / median(peer)).toFixed(1)}× (first show ${(first / median(peer)).toFixed(1)}×)`);
  } finally {
    await browser.close();
    host.kill('SIGTERM');
    await new Promise((r) => host.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
