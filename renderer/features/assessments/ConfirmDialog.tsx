import { useEffect, useRef, type ReactNode } from 'react';
import { Button, Group, Modal, Stack } from '@mantine/core';

/**
 * True when a key event comes from inside an open confirmation (its own Esc closes it) or from a
 * list that is open (a select's Esc closes the list). The scan window's Esc handling leaves those
 * alone; it listens in the capture phase, so it sees the list still open.
 */
export function escapeHandledElsewhere(event: KeyboardEvent): boolean {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return false;
  return target.closest('[data-confirm-dialog]') !== null || target.getAttribute('data-mantine-stop-propagation') === 'true' || target.getAttribute('aria-expanded') === 'true';
}

/**
 * Asks before something that cannot be taken back or that replaces unsaved work. Esc and the close
 * button cancel; the confirm button is disabled while its action runs (a double-click confirms once).
 */
export function ConfirmDialog({
  opened,
  title,
  children,
  confirmLabel,
  cancelLabel = 'Cancel',
  color,
  pending = false,
  confirmDisabled = false,
  onConfirm,
  onCancel,
}: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  color?: string;
  pending?: boolean;
  confirmDisabled?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  // A double-click confirms once: the mutation's pending state reaches the button a tick later.
  const fired = useRef(false);
  useEffect(() => {
    if (!pending) fired.current = false;
  }, [pending, opened]);
  const confirm = () => {
    if (pending || fired.current) return;
    fired.current = true;
    onConfirm();
  };
  return (
    <Modal opened={opened} onClose={() => !pending && onCancel()} title={title} size="md" centered zIndex={400} data-confirm-dialog>
      <Stack>
        {children}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={pending}>{cancelLabel}</Button>
          <Button color={color} onClick={confirm} loading={pending} disabled={pending || confirmDisabled} data-autofocus>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
