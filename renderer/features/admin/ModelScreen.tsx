import { useState } from 'react';
import { Alert, Button, Code, FileInput, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { MAX_MODEL_BYTES } from '../../../common/backups';
import { formatDateTime } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { describeModelMetrics } from './modelWords';
import { sliceToBase64 } from '../scans/upload';

/** Wound model (IT admins, settings.manage): the model THIS clinic uses, and installing another with its manifest (other clinics on the workstation keep theirs). */
export function ModelScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const active = useQuery(trpc.model.active.queryOptions());
  const [manifestFile, setManifestFile] = useState<File | null>(null);
  const [modelFile, setModelFile] = useState<File | null>(null);
  const [sent, setSent] = useState(0);
  const begin = useMutation(trpc.model.beginInstall.mutationOptions());
  const chunk = useMutation(trpc.model.uploadChunk.mutationOptions());
  const finish = useMutation(trpc.model.install.mutationOptions());
  const refresh = () => void queryClient.invalidateQueries(trpc.model.active.queryFilter());
  const install = useMutation({
    mutationFn: async () => {
      if (!manifestFile || !modelFile) throw new Error('Choose the manifest (model.json) and the .onnx file.');
      if (modelFile.size > MAX_MODEL_BYTES) throw new Error(`The model file is larger than ${MAX_MODEL_BYTES / 1024 / 1024} MB.`);
      const { uploadId, chunkBytes } = await begin.mutateAsync({ manifest: await manifestFile.text(), size: modelFile.size });
      for (let at = 0; at < modelFile.size; at += chunkBytes) {
        await chunk.mutateAsync({ uploadId, offset: at, data: await sliceToBase64(modelFile.slice(at, at + chunkBytes)) });
        setSent(Math.min(modelFile.size, at + chunkBytes));
      }
      return finish.mutateAsync({ uploadId });
    },
    onSuccess: refresh,
  });
  const bundled = useMutation(trpc.model.useBundled.mutationOptions({ onSuccess: refresh }));
  const m = active.data;
  return (
    <Stack>
      <Title order={2}>Wound model</Title>
      <Text size="sm" c="dimmed" data-testid="model-scope">The model this clinic's nurses use for Find wound. Other clinics on this workstation keep their own; each change is recorded in this clinic's audit log.</Text>
      {m && (
        <Stack gap={4} maw={760} data-testid="model-in-words">
          <Text fw={600}>How well it finds wounds</Text>
          {describeModelMetrics(m.metrics).map((line) => <Text key={line} size="sm">{line}</Text>)}
          <Text size="sm" c="dimmed">It proposes an outline; the nurse checks and corrects it before saving. Its figures come from its manifest.</Text>
        </Stack>
      )}
      {active.isPending ? <Loader /> : active.isError ? <Alert color="red">{messageOf(active.error)}</Alert> : m && (
        <Table data-testid="active-model" maw={760}>
          <Table.Tbody>
            <Table.Tr><Table.Th>Model</Table.Th><Table.Td>{m.name} {m.version} ({m.source === 'bundled' ? 'bundled reference model' : 'installed by this clinic'})</Table.Td></Table.Tr>
            <Table.Tr><Table.Th>sha256</Table.Th><Table.Td><Code>{m.sha256}</Code></Table.Td></Table.Tr>
            <Table.Tr><Table.Th>Size</Table.Th><Table.Td>{m.bytes !== null ? `${(m.bytes / 1e6).toFixed(2)} MB` : 'not stated'}</Table.Td></Table.Tr>
            <Table.Tr><Table.Th>Figures</Table.Th><Table.Td>{m.metrics ? Object.entries(m.metrics).filter(([, v]) => typeof v === 'number' || typeof v === 'string').map(([k, v]) => `${k}: ${String(v)}`).join(' · ') : 'none in the manifest'}</Table.Td></Table.Tr>
            <Table.Tr><Table.Th>Checked with</Table.Th><Table.Td>{m.provider ?? 'not known (the bundled model is checked when it loads)'}</Table.Td></Table.Tr>
            <Table.Tr><Table.Th>Licence</Table.Th><Table.Td>{m.licence}</Table.Td></Table.Tr>
            {m.installedAt && <Table.Tr><Table.Th>Installed</Table.Th><Table.Td>{formatDateTime(m.installedAt)}</Table.Td></Table.Tr>}
          </Table.Tbody>
        </Table>
      )}
      <Title order={3}>Install model</Title>
      <Text size="sm" c="dimmed">The model file must match the sha256 in its manifest, and ONNX Runtime must open it; otherwise nothing changes.</Text>
      <form noValidate onSubmit={(e) => { e.preventDefault(); install.mutate(); }}>
        <Stack maw={520}>
          <FileInput label="Manifest (model.json)" value={manifestFile} onChange={setManifestFile} accept=".json,application/json" clearable />
          <FileInput label="Model file (.onnx)" value={modelFile} onChange={setModelFile} accept=".onnx" clearable />
          {install.isPending && modelFile && <Text size="sm">Uploading {Math.round((100 * sent) / Math.max(1, modelFile.size))}%…</Text>}
          {install.isError && <Alert color="red" data-testid="model-error">{messageOf(install.error)}</Alert>}
          {install.isSuccess && <Alert color="teal" data-testid="model-installed">Installed and in use for this clinic: {install.data.name} {install.data.version}.</Alert>}
          <Group>
            <Button type="submit" loading={install.isPending}>Install model</Button>
            {m?.source === 'installed' && <Button variant="default" onClick={() => bundled.mutate()} loading={bundled.isPending}>Use the bundled model</Button>}
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
