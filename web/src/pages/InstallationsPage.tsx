import { Placeholder } from '../components/Placeholder';

/** Placeholder: another change builds this page. */
export default function InstallationsPage() {
  return <Placeholder title="Installations" crumbs={[{ label: 'Organization' }]} about="Partner apps installed for this organization, and installations of this organization's apps: scopes, reissue, uninstall." />;
}
