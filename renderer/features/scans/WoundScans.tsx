import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Badge, Button, Card, Group, List, Loader, Modal, Progress, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import type { Assessment } from '../../../common/assessments';
import type { Patient, Wound } from '../../../common/records';
import type { ScanWarning } from '../../../common/point-cloud';
import { captureTimeProblem } from '../../../common/scan-checks';
import { IMPORT_PHASES, type ImportJob, type Scan } from '../../../common/scans';
import { formatDateTime, fromDateTimeInput, toDateTimeInput } from '../../lib/format';
import { messageOf, serverFieldErrors } from '../../lib/forms';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { useNow } from '../../lib/useNow';
import { AssessmentHistory } from '../assessments/AssessmentHistory';
import { AssessPanel } from '../assessments/AssessPanel';
import { ConfirmDialog } from '../assessments/ConfirmDialog';
import { SavedAssessment } from '../assessments/SavedAssessment';
import { ScanViewer } from '../../viewer/ScanViewer';
import { ImportErrorAlert } from './ImportErrorAlert';
import { sliceToBase64 } from './upload';

const PHASE_LABELS: Record<ImportJob['phase'], string> = {
  queued: 'Queued',
  hashing: 'Checking the file',
  parsing: 'Reading points',
  confirming: 'Waiting for you to confirm',
  storing: 'Storing the original (encrypted)',
  indexing: 'Building the 3D view',
  saving: 'Saving',
  done: 'Imported',
  failed: 'Import failed',
  cancelled: 'Cancelled',
};

/** How far a job has got: finished beats every phase; then the phase, then its progress. */
function jobRank(j: ImportJob): number {
  return j.finishedAt !== null ? Number.MAX_SAFE_INTEGER : IMPORT_PHASES.indexOf(j.phase) * 10 + j.progress;
}

function extentCm(scan: Scan): string {
  const [x0, y0, z0] = scan.bbox.min;
  const [x1, y1, z1] = scan.bbox.max;
  return `${((x1 - x0) / 10).toFixed(1)} × ${((y1 - y0) / 10).toFixed(1)} × ${((z1 - z0) / 10).toFixed(1)} cm`;
}

/**
 * What the reader found in the file that breaks its format's specification (it was read all
 * the same): a damaged or non-conforming export, which IT may want to look at.
 */
function FileChecks({ warnings }: { warnings: readonly ScanWarning[] }) {
  if (warnings.length === 0) return <Text size="sm" c="dimmed">No problems found</Text>;
  return (
    <Stack gap={2} data-testid="scan-warnings">
      <Badge color="orange" variant="light">{warnings.length === 1 ? '1 warning' : `${warnings.length} warnings`}</Badge>
      {warnings.map((w) => (
        <Text key={w.code} size="xs" c="orange.8">{capitalised(w.message)}</Text>
      ))}
    </Stack>
  );
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The scan window's title: whose scan, which wound, when it was captured. */
export function scanWindowTitle(scan: Scan, wound: Wound, patient: Pick<Patient, 'familyName' | 'givenName' | 'mrn'> | undefined): string {
  const who = patient ? `${patient.familyName}, ${patient.givenName} · MRN ${patient.mrn} · ` : '';
  return `${who}${wound.bodySite}${wound.laterality ? ` (${wound.laterality})` : ''} — scan of ${formatDateTime(scan.capturedAt)}`;
}

/** The scans of one wound: import (upload or drop a file), progress, list, open in 3D, delete. */
export function WoundScans({ wound, patient, canWrite, canSignOff = false, canExport = false }: { wound: Wound; patient?: Pick<Patient, 'familyName' | 'givenName' | 'mrn'>; canWrite: boolean; canSignOff?: boolean; canExport?: boolean }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const scans = useQuery(trpc.scans.listByWound.queryOptions({ woundId: wound.id }));
  const [file, setFile] = useState<File | null>(null);
  /**
   * Captured: the chosen file's own time, or what was typed; null means "now". Back to null after
   * every import, so that no date carries over to the next file.
   */
  const [captured, setCaptured] = useState<{ value: string; from: 'file' | 'typed' } | null>(null);
  const now = useNow(30_000);
  const [capturedError, setCapturedError] = useState<string | null>(null);
  /** A scan waiting for Delete to be confirmed (and the reason a delete failed, in words). */
  const [deleting, setDeleting] = useState<Scan | null>(null);
  const [uploadFraction, setUploadFraction] = useState<number | null>(null);
  const [job, setJob] = useState<ImportJob | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [openScan, setOpenScan] = useState<Scan | null>(null);
  /** A saved assessment shown read-only on its scan (from the history). */
  const [shown, setShown] = useState<Assessment | null>(null);
  /** Work in the scan window that closing would lose, and whether we are asking about it. */
  const dirty = useRef(false);
  const [askClose, setAskClose] = useState(false);
  const setDirty = useCallback((d: boolean) => {
    dirty.current = d;
  }, []);
  const close = useCallback(() => {
    dirty.current = false;
    setAskClose(false);
    setOpenScan(null);
    setShown(null);
  }, []);
  const requestClose = useCallback(() => (dirty.current ? setAskClose(true) : close()), [close]);
  // Closing the browser tab or reloading with unsaved work: the browser asks too.
  useEffect(() => {
    if (!openScan) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!dirty.current) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [openScan]);
  const fileInput = useRef<HTMLInputElement | null>(null);
  const jobId = job?.id;

  useSubscription(
    trpc.scans.onJob.subscriptionOptions(undefined, {
      enabled: jobId !== undefined,
      onData: (update) => {
        if (update.id !== jobId) return;
        setJob(update);
      },
    }),
  );
  // The job may have finished between the import call and the subscription starting: poll too.
  const polled = useQuery({
    ...trpc.scans.jobs.queryOptions(),
    enabled: jobId !== undefined && job?.finishedAt === null,
    refetchInterval: (q) => (q.state.data?.find((j) => j.id === jobId)?.finishedAt ? false : 1000),
  });
  const latest = polled.data?.find((j) => j.id === jobId);
  // Whichever copy is further along: the subscription can miss a change made before it connected
  // (a job that reaches "confirming" within a second would otherwise never show its question).
  const shownJob = latest && job && jobRank(latest) > jobRank(job) ? latest : job;
  // Imports of this wound that a stop of the workstation cut off (listed as failed at the next start).
  const allJobs = useQuery(trpc.scans.jobs.queryOptions());
  const interrupted = (allJobs.data ?? []).filter((j) => j.woundId === wound.id && j.error?.code === 'INTERRUPTED' && j.id !== shownJob?.id);
  const doneId = shownJob?.phase === 'done' ? shownJob.id : null;
  useEffect(() => {
    if (doneId) void queryClient.invalidateQueries(trpc.scans.listByWound.queryFilter({ woundId: wound.id }));
  }, [doneId, queryClient, trpc, wound.id]);
  // Each import ends with Captured back at "now": the next file must not inherit this one's date.
  const finishedId = shownJob && shownJob.finishedAt !== null ? shownJob.id : null;
  const [resetFor, setResetFor] = useState<string | null>(null);
  if (finishedId && finishedId !== resetFor) {
    setResetFor(finishedId);
    setCaptured(null);
  }

  const remove = useMutation(
    trpc.scans.delete.mutationOptions({
      onSuccess: () => {
        setDeleting(null);
        // The banner of the last import no longer describes the list.
        setJob(null);
        void queryClient.invalidateQueries(trpc.scans.pathFilter());
      },
    }),
  );
  const cancel = useMutation(trpc.scans.cancelImport.mutationOptions());
  const confirmImport = useMutation(trpc.scans.confirmImport.mutationOptions());

  /** A chosen file sets Captured to its own time (when the tablet wrote it), never later than now. */
  function choose(chosen: File | null): number {
    setFile(chosen);
    setCapturedError(null);
    const t = Date.now();
    if (!chosen || !Number.isFinite(chosen.lastModified) || chosen.lastModified <= 0 || chosen.lastModified > t) {
      setCaptured(null);
      return t;
    }
    setCaptured({ value: toDateTimeInput(chosen.lastModified), from: 'file' });
    return chosen.lastModified;
  }
  const capturedMs = (): number => (captured ? fromDateTimeInput(captured.value) : Date.now());

  /** One import at a time: a double-click on Import scan must not upload the file twice. */
  const starting = useRef(false);

  async function startImport(chosen: File, at: number) {
    if (starting.current) return;
    const problem = captureTimeProblem(at, null);
    if (problem) {
      setCapturedError(problem);
      return;
    }
    setCapturedError(null);
    setUploadError(null);
    setJob(null);
    setUploadFraction(0);
    starting.current = true;
    let uploadId: string | null = null;
    try {
      const begun = await client.scans.beginUpload.mutate({ fileName: chosen.name, size: chosen.size });
      uploadId = begun.uploadId;
      for (let offset = 0; offset < chosen.size; offset += begun.chunkBytes) {
        const data = await sliceToBase64(chosen.slice(offset, offset + begun.chunkBytes));
        await client.scans.uploadChunk.mutate({ uploadId, offset, data });
        setUploadFraction(Math.min(1, (offset + begun.chunkBytes) / chosen.size));
      }
      const started = await client.scans.import.mutate({ uploadId, woundId: wound.id, capturedAt: at });
      uploadId = null;
      setJob(started);
    } catch (error) {
      const refused = serverFieldErrors(error)?.['capturedAt'];
      if (refused) setCapturedError(refused);
      else setUploadError(messageOf(error));
      // Frees what the upload reserved on the workstation (each window may hold one file's worth).
      if (uploadId) void client.scans.cancelUpload.mutate({ uploadId }).catch(() => undefined);
    } finally {
      starting.current = false;
      setUploadFraction(null);
      setFile(null);
      if (fileInput.current) fileInput.current.value = '';
    }
  }

  const busy = uploadFraction !== null || (shownJob != null && shownJob.finishedAt === null);
  return (
    <Card
      withBorder
      data-testid="wound-scans"
      onDragOver={(e) => canWrite && e.preventDefault()}
      onDrop={(e) => {
        if (!canWrite) return;
        e.preventDefault();
        const dropped = e.dataTransfer.files[0];
        if (!dropped || busy) return;
        const typed = captured?.from === 'typed' ? fromDateTimeInput(captured.value) : null;
        const own = choose(dropped);
        void startImport(dropped, typed ?? own);
      }}
    >
      <Stack>
        <Title order={3}>Scans · {wound.bodySite}</Title>
        {canWrite && (
          <Group align="flex-end">
            <div>
              <Text size="sm" fw={500} mb={4}>Scan file (PLY, LAS, LAZ, E57, XYZ, PTS, OBJ) — or drop it here</Text>
              <input ref={fileInput} type="file" aria-label="Scan file" accept=".ply,.las,.laz,.e57,.xyz,.pts,.txt,.csv,.obj" onChange={(e) => choose(e.currentTarget.files?.[0] ?? null)} disabled={busy} />
            </div>
            <TextInput
              label="Captured"
              type="datetime-local"
              value={captured?.value ?? toDateTimeInput(now)}
              onChange={(e) => {
                setCaptured({ value: e.currentTarget.value, from: 'typed' });
                setCapturedError(null);
              }}
              description={captured === null ? 'Now' : captured.from === 'file' ? 'From the file' : 'As entered'}
              error={capturedError}
              disabled={busy}
            />
            <Button onClick={() => file && void startImport(file, capturedMs())} disabled={!file || busy}>Import scan</Button>
          </Group>
        )}
        {uploadFraction !== null && (
          <Stack gap={4} data-testid="import-progress">
            <Text size="sm">Uploading… {Math.round(uploadFraction * 100)} %</Text>
            <Progress value={uploadFraction * 100} />
          </Stack>
        )}
        {shownJob && (
          <Stack gap={4} data-testid="import-progress">
            <Group justify="space-between">
              <Text size="sm" data-testid="import-phase">{PHASE_LABELS[shownJob.phase]} {shownJob.finishedAt === null ? `· ${Math.round(shownJob.progress * 100)} %` : ''}</Text>
              {shownJob.finishedAt === null && shownJob.phase !== 'confirming' && <Button size="xs" variant="default" onClick={() => cancel.mutate({ jobId: shownJob.id })}>Cancel</Button>}
            </Group>
            <Progress value={shownJob.progress * 100} color={shownJob.phase === 'failed' ? 'red' : undefined} />
            {shownJob.phase === 'confirming' && shownJob.warning && (
              <Alert color="yellow" title="Is this the right scan?" data-testid="import-warning">
                <Stack gap="xs">
                  <Text size="sm">{shownJob.warning.message}</Text>
                  <Text size="sm">Nothing has been saved yet.</Text>
                  <Group gap="xs">
                    <Button size="xs" color="yellow" loading={confirmImport.isPending} disabled={cancel.isPending} onClick={() => confirmImport.mutate({ jobId: shownJob.id })}>Import anyway</Button>
                    <Button size="xs" variant="default" loading={cancel.isPending} disabled={confirmImport.isPending} onClick={() => cancel.mutate({ jobId: shownJob.id })}>Cancel import</Button>
                  </Group>
                  {(confirmImport.isError || cancel.isError) && <Text size="sm" c="red">{messageOf(confirmImport.error ?? cancel.error)}</Text>}
                </Stack>
              </Alert>
            )}
            {shownJob.warnings.length > 0 && shownJob.phase !== 'failed' && shownJob.phase !== 'cancelled' && (
              <Alert color="orange" title="The file breaks its format's specification in places; its points were read all the same" data-testid="import-warnings">
                <List size="sm">
                  {shownJob.warnings.map((w) => (
                    <List.Item key={w.code}>{capitalised(w.message)}</List.Item>
                  ))}
                </List>
              </Alert>
            )}
            {shownJob.error && shownJob.phase === 'failed' && <ImportErrorAlert error={shownJob.error} />}
            {cancel.isError && shownJob.phase !== 'confirming' && <Alert color="red" title="The import was not cancelled">{messageOf(cancel.error)}</Alert>}
          </Stack>
        )}
        {uploadError && <Alert color="red" title="The file could not be uploaded">{uploadError}</Alert>}
        {interrupted.map((j) => (
          <Alert key={j.id} color="orange" title={`Import of ${j.fileName} was interrupted`} data-testid="import-interrupted">
            {j.error?.message} (started {formatDateTime(j.startedAt)})
          </Alert>
        ))}
        {scans.isPending ? (
          <Loader size="sm" />
        ) : scans.isError ? (
          <Alert color="red">{messageOf(scans.error)}</Alert>
        ) : scans.data.length === 0 ? (
          <Text c="dimmed">No scans of this wound yet.</Text>
        ) : (
          <Table data-testid="scan-list" highlightOnHover>
            <Table.Thead>
              <Table.Tr><Table.Th>Captured</Table.Th><Table.Th>Format</Table.Th><Table.Th>Points</Table.Th><Table.Th>Extent</Table.Th><Table.Th>Attributes</Table.Th><Table.Th>Source</Table.Th><Table.Th>File checks</Table.Th><Table.Th /></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {scans.data.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>{formatDateTime(s.capturedAt)}</Table.Td>
                  <Table.Td>{s.format.toUpperCase()}</Table.Td>
                  <Table.Td>{s.pointCount.toLocaleString()}</Table.Td>
                  <Table.Td>{extentCm(s)}</Table.Td>
                  <Table.Td>{s.attributes.filter((a) => a !== 'position').join(', ') || '—'}</Table.Td>
                  <Table.Td>{s.sourceApp ?? '—'}</Table.Td>
                  <Table.Td><FileChecks warnings={s.warnings} /></Table.Td>
                  <Table.Td>
                    <Group gap="xs" justify="flex-end" wrap="nowrap">
                      <Button size="xs" onClick={() => { setShown(null); dirty.current = false; setOpenScan(s); }}>Open</Button>
                      {canWrite && <Button size="xs" variant="default" color="red" onClick={() => { remove.reset(); setDeleting(s); }}>Delete</Button>}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <AssessmentHistory
          woundId={wound.id}
          canSignOff={canSignOff}
          canExport={canExport}
          onShow={(a) => {
            const scan = scans.data?.find((s) => s.id === a.scanId);
            if (!scan) return;
            setShown(a);
            dirty.current = false;
            setOpenScan(scan);
          }}
        />
      </Stack>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title="Delete this scan?">
        <Stack>
          <Text size="sm">The scan captured {deleting ? formatDateTime(deleting.capturedAt) : ''} and its encrypted files are removed from this workstation. This cannot be undone.</Text>
          {remove.isError && (
            <Alert color="red" title="The scan was not deleted" data-testid="delete-error">{messageOf(remove.error)}</Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>{remove.isError ? 'Close' : 'Keep'}</Button>
            {!remove.isError && <Button color="red" loading={remove.isPending} onClick={() => deleting && !remove.isPending && remove.mutate({ id: deleting.id })}>Delete scan</Button>}
          </Group>
        </Stack>
      </Modal>
      <Modal
        opened={openScan !== null}
        onClose={requestClose}
        closeOnEscape={false}
        closeButtonProps={{ 'aria-label': 'Close scan window' }}
        title={openScan ? <Text fw={600} data-testid="scan-window-title">{scanWindowTitle(openScan, wound, patient)}</Text> : ''}
        size="95%"
        yOffset="2vh"
        padding="sm"
      >
        {openScan && (
          <ScanView key={`${openScan.id}:${shown?.id ?? ''}`} scan={openScan} canWrite={canWrite} canSignOff={canSignOff} canExport={canExport} shown={shown} onDirtyChange={setDirty} onRequestClose={requestClose} />
        )}
      </Modal>
      <ConfirmDialog opened={askClose} title="Close without saving?" confirmLabel="Close and discard" cancelLabel="Keep working" color="red" onCancel={() => setAskClose(false)} onConfirm={close}>
        <Text size="sm">Your changes on this scan are not saved. Closing the window discards them.</Text>
      </ConfirmDialog>
    </Card>
  );
}

interface ScanViewProps {
  scan: Scan;
  canWrite: boolean;
  canSignOff: boolean;
  canExport: boolean;
  shown: Assessment | null;
  onDirtyChange(dirty: boolean): void;
  onRequestClose(): void;
}

function ScanView({ scan, canWrite, canSignOff, canExport, shown, onDirtyChange, onRequestClose }: ScanViewProps) {
  const trpc = useTRPC();
  const url = useQuery({ ...trpc.scans.fileUrl.queryOptions({ id: scan.id }), staleTime: 10 * 60_000 });
  if (url.isPending) return <Loader aria-label="Opening scan" />;
  if (url.isError) return <Alert color="red">{messageOf(url.error)}</Alert>;
  if (shown) return <SavedAssessment scan={scan} url={url.data.url} assessmentId={shown.id} canSignOff={canSignOff} canVoid={canWrite} canExport={canExport} onDirtyChange={onDirtyChange} onRequestClose={onRequestClose} />;
  if (!canWrite) return <SavedScan url={url.data.url} onRequestClose={onRequestClose} />;
  return <AssessPanel scan={scan} url={url.data.url} onDirtyChange={onDirtyChange} onRequestClose={onRequestClose} />;
}

/** The scan alone, for roles that may look but not measure. Esc closes. */
function SavedScan({ url, onRequestClose }: { url: string; onRequestClose(): void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onRequestClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onRequestClose]);
  return <ScanViewer url={url} />;
}
