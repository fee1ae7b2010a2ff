// Asks before leaving the editor with unsaved work: the browser's own prompt on reload or
// close (beforeunload), and an in-app dialog (Python decides) for links to other pages.
import { useEffect, useRef } from "react";

export function LeaveGuard(props) {
  const propsRef = useRef(props);
  propsRef.current = props;
  useEffect(() => {
    const onBeforeUnload = (event) => {
      if (!propsRef.current.active) return;
      event.preventDefault();
      event.returnValue = "";
    };
    const onClick = (event) => {
      const { active, onLeaveAttempt } = propsRef.current;
      if (!active || !onLeaveAttempt || event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = event.target && event.target.closest && event.target.closest("a[href]");
      if (!link || (link.target && link.target !== "_self")) return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin || url.pathname === window.location.pathname) return;
      // Capture phase on the document: the router never sees the click.
      event.preventDefault();
      event.stopPropagation();
      onLeaveAttempt({ href: url.pathname + url.search + url.hash });
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, []);
  return null;
}
