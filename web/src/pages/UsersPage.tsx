import { Placeholder } from '../components/Placeholder';

/** Placeholder: another change builds this page. */
export default function UsersPage() {
  return <Placeholder title="Users" crumbs={[{ label: 'Platform' }]} about="People, their organizations and roles, setup links and platform administrators." />;
}
