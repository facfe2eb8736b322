import { ApplicationDetail } from '../components/ApplicationDetail';

/** One Token Application: Edit (name and scopes), secrets, Delete. */
export default function ApplicationPage() {
  return <ApplicationDetail kind="token" />;
}
