import { useRef, useState } from 'react';
import { Alert, Button, Card, Code, Group, Image, Loader, PasswordInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { EnrolmentOffer } from '../../../common/records';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { EnrolScreen } from './EnrolScreen';

/** After the password: a code from the authenticator, or (first sign-in under the policy) setting one up by QR code. */
type Step = { status: 'password' } | { status: 'second-factor' } | { status: 'enrol-second-factor'; enrolment: EnrolmentOffer };

/**
 * Sign-in. `onRecoveryCodes` receives the one-time recovery codes when an authenticator was set up
 * here (the shell shows them once, over the app, until the member confirms they saved them).
 */
export function SignInScreen({ onRecoveryCodes }: { onRecoveryCodes?: (codes: string[]) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const clinics = useQuery(trpc.clinic.list.queryOptions());
  const [clinicId, setClinicId] = useState<string | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<Step>({ status: 'password' });
  const busy = useRef(false);
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: (data) => {
        setPassword('');
        if (data.status === 'signed-in') void queryClient.invalidateQueries();
        else setStep(data);
      },
    }),
  );
  const complete = useMutation(
    trpc.auth.completeSignIn.mutationOptions({
      onSuccess: (data) => {
        setCode('');
        if (data.recoveryCodes) onRecoveryCodes?.(data.recoveryCodes);
        void queryClient.invalidateQueries();
      },
    }),
  );
  const back = () => {
    setStep({ status: 'password' });
    setCode('');
    complete.reset();
    login.reset();
  };

  if (clinics.isPending) return <Loader aria-label="Loading clinics" m="xl" />;
  if (clinics.isError) return <Alert color="red" m="xl" title="The workstation service is not reachable">{messageOf(clinics.error)}</Alert>;
  // First run only: once a clinic exists, only a signed-in IT administrator sets up another (Clinics screen).
  if (clinics.data.length === 0) return <EnrolScreen onDone={(id) => setClinicId(id)} />;
  const selected = clinicId ?? (clinics.data.length === 1 ? clinics.data[0]!.id : null);

  if (step.status !== 'password') {
    const enrolling = step.status === 'enrol-second-factor';
    return (
      <Card withBorder maw={460} mx="auto" mt="xl" p="xl">
        <form
          onKeyDown={(e) => {
            if (e.key === 'Escape' && !complete.isPending) back();
          }}
          onSubmit={(e) => {
            e.preventDefault();
            if (busy.current) return;
            busy.current = true;
            complete.mutateAsync({ code }).catch(() => undefined).finally(() => (busy.current = false));
          }}
        >
          <Stack>
            <Title order={2}>{enrolling ? 'Set up two-step sign-in' : 'Two-step sign-in'}</Title>
            {enrolling ? (
              <>
                <Text size="sm">
                  Your clinic asks your role to sign in with a code from an authenticator app as well as your password. Scan this QR code with the app on
                  your phone (for example Google Authenticator, Microsoft Authenticator or FreeOTP), then enter the 6-digit code it shows.
                </Text>
                <Image src={step.enrolment.qrDataUrl} alt="QR code for your authenticator app" w={240} h={240} mx="auto" />
                <Text size="xs" c="dimmed">
                  Cannot scan? Enter this key in the app instead: <Code data-testid="totp-secret">{step.enrolment.secret}</Code>
                </Text>
              </>
            ) : (
              <Text size="sm">Enter the 6-digit code your authenticator app shows now. Lost your phone? Enter one of your recovery codes instead.</Text>
            )}
            <TextInput
              label={enrolling ? 'Code from the app' : 'Authenticator or recovery code'}
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
              autoComplete="one-time-code"
              inputMode={enrolling ? 'numeric' : 'text'}
              required
              data-autofocus
              autoFocus
            />
            {complete.isError && <Alert color="red">{messageOf(complete.error)}</Alert>}
            <Group justify="space-between">
              <Button variant="subtle" onClick={back} disabled={complete.isPending}>Back</Button>
              <Button type="submit" loading={complete.isPending}>{enrolling ? 'Confirm and sign in' : 'Verify'}</Button>
            </Group>
          </Stack>
        </form>
      </Card>
    );
  }

  return (
    <Card withBorder maw={420} mx="auto" mt="xl" p="xl">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!selected || busy.current) return;
          busy.current = true;
          login.mutateAsync({ clinicId: selected, username, password }).catch(() => undefined).finally(() => (busy.current = false));
        }}
      >
        <Stack>
          <Title order={2}>Sign in</Title>
          <Select label="Clinic" data={clinics.data.map((c) => ({ value: c.id, label: c.name }))} value={selected} onChange={setClinicId} allowDeselect={false} required />
          <TextInput label="User name" value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoComplete="username" required data-autofocus />
          <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" required />
          {login.isError && <Alert color="red">{messageOf(login.error)}</Alert>}
          <Button type="submit" loading={login.isPending} disabled={!selected}>Sign in</Button>
        </Stack>
      </form>
    </Card>
  );
}

/** The one-time recovery codes, shown once right after an authenticator was set up. */
export function RecoveryCodesNotice({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <Stack>
      <Text size="sm">
        Each of these codes signs you in once if you lose your phone. Write them down or print them and keep them somewhere safe: they are not shown
        again. (Under My account you can make new ones.)
      </Text>
      <Code block data-testid="recovery-codes">{codes.join('\n')}</Code>
      <Button onClick={onDone}>I have saved these codes</Button>
    </Stack>
  );
}
