import { ApplicationList } from '../components/ApplicationList';

/** Configuration › Token Applications (seed 001): the organization's own client-credentials applications. */
export default function ApplicationsPage() {
  return <ApplicationList kind="token" />;
}
