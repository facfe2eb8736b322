import { Placeholder } from '../components/Placeholder';

/** Placeholder: another change builds this page. */
export default function DecoupledRequestsPage() {
  return <Placeholder title="Decoupled requests" crumbs={[{ label: 'Organization' }]} about="Requests from applications waiting for approval (decoupled authorization), and their history." />;
}
