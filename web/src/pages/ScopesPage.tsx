import { Placeholder } from '../components/Placeholder';

/** Placeholder: another change builds this page. */
export default function ScopesPage() {
  return <Placeholder title="Scopes" crumbs={[{ label: 'Platform' }]} about="The scope catalogue: the audience:operation names applications may be granted." />;
}
