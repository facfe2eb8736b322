import { Placeholder } from '../components/Placeholder';

/** Placeholder: another change builds this page. */
export default function SigningKeysPage() {
  return <Placeholder title="Signing keys" crumbs={[{ label: 'Platform' }]} about="The keys that sign access tokens: the active one, the next one, and rotation." />;
}
