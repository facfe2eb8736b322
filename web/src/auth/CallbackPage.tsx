import { Alert, Button } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { completeSignIn, startSignIn } from './session';
import { FullPage } from './RequireSignIn';

/** /console/callback: the end of the sign-in redirect. */
export default function CallbackPage() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    completeSignIn(window.location.search).then(
      (returnTo) => void navigate(returnTo.replace(/^\/console/, '') || '/', { replace: true }),
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, [navigate]);
  if (!error) return <FullPage message="Signing in…" />;
  return (
    <FullPage message="">
      <Alert color="red" title="Sign-in failed" role="alert">
        {error}
      </Alert>
      <Button onClick={() => void startSignIn('/console/')}>Sign in again</Button>
    </FullPage>
  );
}
