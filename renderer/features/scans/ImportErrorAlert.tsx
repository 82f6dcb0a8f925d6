import { useState } from 'react';
import { Alert, Anchor, Code, Stack, Text } from '@mantine/core';
import { importErrorWords, type ImportErrorLike } from '../../../common/import-errors';

/**
 * Why a scan was not imported: first in a nurse's words ("This is a photo, not a 3D scan"), with
 * what to do; the technical detail (code, format, byte offset) one click away for IT.
 */
export function ImportErrorAlert({ error, title = 'The file was not imported', testId = 'import-error', compact = false }: { error: ImportErrorLike; title?: string; testId?: string; compact?: boolean }) {
  const [open, setOpen] = useState(false);
  const words = importErrorWords(error);
  const body = (
    <Stack gap={4}>
      <Text size="sm" fw={600} c={compact ? 'red' : undefined} data-testid={`${testId}-headline`}>{words.headline}</Text>
      {words.advice && <Text size={compact ? 'xs' : 'sm'}>{words.advice}</Text>}
      <Anchor component="button" type="button" size="xs" onClick={() => setOpen((v) => !v)} aria-expanded={open}>
        {open ? 'Hide technical details' : 'Technical details'}
      </Anchor>
      {open && <Code block data-testid={`${testId}-detail`}>{words.detail}</Code>}
    </Stack>
  );
  if (compact) return <div data-testid={testId}>{body}</div>;
  return (
    <Alert color="red" title={title} data-testid={testId}>
      {body}
    </Alert>
  );
}
