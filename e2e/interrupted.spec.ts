import { rmSync } from 'node:fs';
import type { PointCloud } from '../common/point-cloud';
import { encodePly } from '../main/analysis/measure/phantoms';
import { test, expect, startHost } from './fixtures';
import { clinicWithNurse, mutate, openWoundScans, PASSWORD } from './clinic';

/** A flat coloured patch of n × n points (a scan big enough that its import takes a few seconds). */
function patch(n: number): Buffer {
  const count = n * n;
  const positions = new Float64Array(3 * count);
  const colors = new Uint8Array(3 * count);
  for (let i = 0; i < count; i++) {
    positions[3 * i] = (i % n) * 0.5;
    positions[3 * i + 1] = Math.floor(i / n) * 0.5;
    positions[3 * i + 2] = Math.sin(i) * 0.2;
    colors[3 * i] = 200;
    colors[3 * i + 1] = 80;
    colors[3 * i + 2] = 60;
  }
  const cloud = { count, positions, colors, normals: null, intensity: null, classification: null, extras: [], format: 'ply', units: 'mm', sourceApp: null } as unknown as PointCloud;
  return Buffer.from(encodePly(cloud, 1));
}

test('an import cut off by a kill -9 of the workstation is shown as interrupted under its wound, and nothing of it is kept', async ({ browser }) => {
  test.setTimeout(180_000);
  const first = await startHost();
  const dataDir = first.dataDir;
  let second: Awaited<ReturnType<typeof startHost>> | null = null;
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await first.launchUrl());
    const { clinicId } = await clinicWithNurse(page);
    await openWoundScans(page);
    const panel = page.getByTestId('wound-scans');
    await panel.getByLabel('Scan file').setInputFiles({ name: 'heel-visit-4.ply', mimeType: 'application/octet-stream', buffer: patch(1400) });
    await panel.getByRole('button', { name: 'Import scan' }).click();
    // The import has started on the workstation (its progress shows a phase): kill -9 it there.
    await expect(panel.getByTestId('import-phase')).toBeVisible({ timeout: 60_000 });
    await first.kill();
    await context.close();

    second = await startHost({}, { dataDir });
    const again = await browser.newContext();
    const nurse = await again.newPage();
    await nurse.goto(await second.launchUrl());
    await mutate(nurse, 'auth.login', { clinicId, username: 'nurse', password: PASSWORD });
    await nurse.reload();
    await openWoundScans(nurse);
    const alert = nurse.getByTestId('import-interrupted');
    await expect(alert).toContainText('Import of heel-visit-4.ply was interrupted');
    await expect(alert).toContainText('Import the file again');
    await expect(nurse.getByTestId('wound-scans').getByText('No scans of this wound yet.')).toBeVisible();
    await nurse.screenshot({ path: 'test-results/screens/import-interrupted.png' });
    await again.close();
  } finally {
    await first.kill();
    if (second) await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
