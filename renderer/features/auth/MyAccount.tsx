import { useRef, useState } from 'react';
import { Alert, Badge, Button, Code, Group, Image, Loader, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { EnrolmentOffer } from '../../../common/records';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { RecoveryCodesNotice } from './SignInScreen';

/** Where the dialog is: the overview, a step asking for the current code, the QR code of a new authenticator, or new recovery codes (shown once). */
type Step =
  | { at: 'overview' }
  | { at: 'prove'; then: 'replace' | 'renew' }
  | { at: 'scan'; offer: EnrolmentOffer }
  | { at: 'codes'; codes: string[] };

/**
 * My account (the header's name opens it): the member's own two-step sign-in. Replacing the
 * authenticator and making new recovery codes both need a code from the current authenticator
 * (or a recovery code), as the auth API requires; the new recovery codes are shown once.
 */
export function MyAccount({ name, onClose }: { name: string; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const state = useQuery(trpc.auth.twoFactor.queryOptions());
  const [step, setStep] = useState<Step>({ at: 'overview' });
  const [code, setCode] = useState('');
  const busy = useRef(false);
  const refresh = () => void queryClient.invalidateQueries(trpc.auth.twoFactor.queryFilter());
  const begin = useMutation(trpc.auth.beginTwoFactor.mutationOptions({ onSuccess: (offer) => { setCode(''); setStep({ at: 'scan', offer }); } }));
  const confirm = useMutation(trpc.auth.confirmTwoFactor.mutationOptions({ onSuccess: ({ recoveryCodes }) => { refresh(); setStep({ at: 'codes', codes: recoveryCodes }); } }));
  const renew = useMutation(trpc.auth.renewRecoveryCodes.mutationOptions({ onSuccess: ({ recoveryCodes }) => { refresh(); setStep({ at: 'codes', codes: recoveryCodes }); } }));
  const pending = begin.isPending || confirm.isPending || renew.isPending;
  const error = begin.error ?? confirm.error ?? renew.error;
  const goTo = (next: Step) => {
    begin.reset();
    confirm.reset();
    renew.reset();
    setCode('');
    setStep(next);
  };
  /** One request per submit: a double click sends one. */
  const once = (run: () => Promise<unknown>) => {
    if (busy.current) return;
    busy.current = true;
    run().catch(() => undefined).finally(() => (busy.current = false));
  };
  // The recovery codes are shown once: Esc and clicking outside do not dismiss them.
  const showingCodes = step.at === 'codes';
  const close = () => {
    if (!showingCodes && !pending) onClose();
  };
  const back = () => {
    if (!pending) goTo({ at: 'overview' });
  };

  let body;
  if (state.isPending) body = <Loader aria-label="Loading your two-step sign-in" />;
  else if (state.isError) body = <Alert color="red">{messageOf(state.error)}</Alert>;
  else if (step.at === 'codes') body = <RecoveryCodesNotice codes={step.codes} onDone={() => goTo({ at: 'overview' })} />;
  else if (step.at === 'prove') {
    body = (
      <form
        onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); back(); } }}
        onSubmit={(e) => {
          e.preventDefault();
          once(() => (step.then === 'replace' ? begin.mutateAsync({ currentCode: code }) : renew.mutateAsync({ code })));
        }}
      >
        <Stack>
          <Text size="sm">
            {step.then === 'replace'
              ? 'To set up a new authenticator, first enter a code from the one you use now (or one of your recovery codes). The current one keeps working until the new one is confirmed.'
              : 'Enter a code from your authenticator (or one of your recovery codes). Your old recovery codes stop working and you get 10 new ones.'}
          </Text>
          <TextInput label="Current authenticator or recovery code" value={code} onChange={(e) => setCode(e.currentTarget.value)} autoComplete="one-time-code" required data-autofocus />
          {error && <Alert color="red">{messageOf(error)}</Alert>}
          <Group justify="space-between">
            <Button variant="subtle" onClick={back} disabled={pending}>Back</Button>
            <Button type="submit" loading={pending}>{step.then === 'replace' ? 'Continue' : 'Make new recovery codes'}</Button>
          </Group>
        </Stack>
      </form>
    );
  } else if (step.at === 'scan') {
    body = (
      <form
        onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); back(); } }}
        onSubmit={(e) => {
          e.preventDefault();
          once(() => confirm.mutateAsync({ code }));
        }}
      >
        <Stack>
          <Text size="sm">Scan this QR code with the authenticator app on your phone, then enter the 6-digit code it shows.</Text>
          <Image src={step.offer.qrDataUrl} alt="QR code for your authenticator app" w={240} h={240} mx="auto" />
          <Text size="xs" c="dimmed">Cannot scan? Enter this key in the app instead: <Code data-testid="totp-secret">{step.offer.secret}</Code></Text>
          <TextInput label="Code from the app" value={code} onChange={(e) => setCode(e.currentTarget.value)} autoComplete="one-time-code" inputMode="numeric" required data-autofocus />
          {error && <Alert color="red">{messageOf(error)}</Alert>}
          <Group justify="space-between">
            <Button variant="subtle" onClick={back} disabled={pending}>Back</Button>
            <Button type="submit" loading={pending}>Confirm new authenticator</Button>
          </Group>
        </Stack>
      </form>
    );
  } else {
    const s = state.data;
    body = (
      <Stack>
        <Group gap="xs">
          <Text fw={600}>Two-step sign-in</Text>
          <Badge color={s.enrolled ? 'teal' : 'gray'} variant="light" data-testid="my-two-factor">{s.enrolled ? 'set up' : 'not set up'}</Badge>
        </Group>
        <Text size="sm" data-testid="my-two-factor-words">
          {s.enrolled
            ? `You sign in with your password and a code from your authenticator app. ${s.recoveryCodesLeft} unused recovery code${s.recoveryCodesLeft === 1 ? '' : 's'} left.`
            : s.required
              ? 'Your clinic asks your role to sign in with an authenticator code; you set one up at your next sign-in, or now.'
              : 'You sign in with your password only. You may add an authenticator app for a second step.'}
        </Text>
        {error && <Alert color="red">{messageOf(error)}</Alert>}
        <Group>
          {s.enrolled ? (
            <>
              <Button variant="default" onClick={() => goTo({ at: 'prove', then: 'replace' })}>Replace authenticator</Button>
              <Button variant="default" onClick={() => goTo({ at: 'prove', then: 'renew' })}>Make new recovery codes</Button>
            </>
          ) : (
            <Button loading={begin.isPending} onClick={() => once(() => begin.mutateAsync({}))}>Set up an authenticator</Button>
          )}
        </Group>
      </Stack>
    );
  }
  return (
    <Modal opened onClose={close} title={`My account · ${name}`} closeOnEscape={!showingCodes && step.at === 'overview'} closeOnClickOutside={!showingCodes} withCloseButton={!showingCodes} size="lg">
      {body}
    </Modal>
  );
}
