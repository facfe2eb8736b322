import { Placeholder } from '../components/Placeholder';

/** Placeholder: another change builds this page. */
export default function AuditLogPage() {
  return <Placeholder title="Audit log" crumbs={[{ label: 'Platform' }]} about="Who changed what, and when." />;
}
