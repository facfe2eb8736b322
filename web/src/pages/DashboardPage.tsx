import { Placeholder } from '../components/Placeholder';

/** Placeholder: another change builds this page. */
export default function DashboardPage() {
  return <Placeholder title="Dashboard" crumbs={[{ label: 'Platform' }]} about="Token issuance, refreshes and webhook deliveries across the platform." />;
}
