// The owner's set-up, the login form and joining with an invitation. They post straight to
// /api/auth, which answers with an HttpOnly session cookie that page code never sees; then the
// page reloads where it was going, and the new connection carries the cookie.
import React, { useState } from "react";
import { Button, Callout, Card, Flex, Heading, Text, TextField } from "@radix-ui/themes";
import { getBackendURL } from "$/utils/state";

const MIN_LENGTH = 12;
const LABELS = ["very weak", "weak", "fair", "good", "strong"];
const COLORS = ["var(--red-9)", "var(--orange-9)", "var(--amber-9)", "var(--grass-9)", "var(--green-9)"];

// A guide while typing; the server's rule (app/services/password_policy.py) decides.
function strength(password) {
  if (password.length < MIN_LENGTH) return password.length >= 8 ? 1 : 0;
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (new Set(password.toLowerCase()).size < 4) return 1;
  return Math.max(2, Math.min(4, Math.floor(password.length / 4) + kinds - 2));
}

// The strength meter under a new password (the set-up, join and account pages). Its id is
// what the password field's aria-describedby names.
export function PasswordStrength({ password, id = "password-strength" }) {
  const score = strength(password || "");
  return (
    <Flex direction="column" gap="1" id={id} aria-live="polite">
      <div style={{ display: "flex", gap: 4 }} aria-hidden="true">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} style={{ flex: 1, height: 5, borderRadius: 3,
            background: password && i < Math.max(score, 1) ? COLORS[score] : "var(--gray-5)" }} />
        ))}
      </div>
      <Text size="1" color="gray">
        {password ? `Strength: ${LABELS[score]}. ` : ""}At least {MIN_LENGTH} characters; a few unrelated words work well.
      </Text>
    </Flex>
  );
}

// Where the page that sent us here was: ?next=/path (only a path on this site).
function nextPath() {
  const next = new URLSearchParams(window.location.search).get("next") || "/workflows";
  try {
    // Resolved as the browser would: "/\\evil.example" or "/\tevil" leave the site, so only
    // an address on this origin is followed.
    const url = new URL(next, window.location.origin);
    return url.origin === window.location.origin ? url.pathname + url.search + url.hash : "/workflows";
  } catch (error) {
    return "/workflows";
  }
}

async function problemOf(response) {
  try {
    const body = await response.json();
    const first = body.problems && body.problems[0];
    return first ? `${first.field ? first.field + ": " : ""}${first.message}` : body.detail;
  } catch (error) {
    return `The server answered ${response.status}`;
  }
}

// What each form posts, its title and its button.
const MODES = {
  login: { path: "login", title: "Log in to Flowbook", button: "Log in",
    intro: "Use the e-mail address and password of your account." },
  setup: { path: "setup", title: "Create the owner account", button: "Create the owner account",
    intro: "This Flowbook has no users yet. The owner can invite others and sees everything." },
  join: { path: "join", title: "Join Flowbook", button: "Create my account", intro: "" },
};

function AuthForm({ mode, intro }) {
  const newAccount = mode !== "login";
  const texts = MODES[mode];
  const [fields, setFields] = useState({ name: "", email: "", password: "" });
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const set = (key) => (event) => setFields({ ...fields, [key]: event.target.value });

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    const body = mode === "login" ? { email: fields.email, password: fields.password }
      : mode === "join" ? { ...fields, token: new URLSearchParams(window.location.search).get("token") || "" }
      : fields;
    try {
      const response = await fetch(`${getBackendURL().origin}/api/auth/${texts.path}`, {
        method: "POST",
        credentials: "include",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.ok) {
        window.location.assign(mode === "join" ? "/workflows" : nextPath());
        return;
      }
      setError(await problemOf(response));
    } catch (failure) {
      setError("Cannot reach the server. Is it running?");
    }
    setBusy(false);
  };

  return (
    <Card size="4" style={{ width: "min(420px, 92vw)" }}>
      <form onSubmit={submit} aria-label={texts.title}>
        <Flex direction="column" gap="4">
          <Flex direction="column" gap="1">
            <Heading as="h1" size="6">{texts.title}</Heading>
            <Text size="2" color="gray">{intro || texts.intro}</Text>
          </Flex>
          {newAccount && (
            <label>
              <Text as="div" size="2" weight="medium" mb="1">Name</Text>
              <TextField.Root name="name" value={fields.name} onChange={set("name")} required
                maxLength={120} autoComplete="name" autoFocus />
            </label>
          )}
          <label>
            <Text as="div" size="2" weight="medium" mb="1">E-mail</Text>
            <TextField.Root name="email" type="email" value={fields.email} onChange={set("email")} required
              maxLength={254} autoComplete={newAccount ? "email" : "username"} autoFocus={!newAccount} />
          </label>
          <label>
            <Text as="div" size="2" weight="medium" mb="1">Password</Text>
            <TextField.Root name="password" type="password" value={fields.password} onChange={set("password")}
              required maxLength={1024} autoComplete={newAccount ? "new-password" : "current-password"}
              aria-describedby={newAccount ? "password-strength" : undefined} />
          </label>
          {newAccount && <PasswordStrength password={fields.password} />}
          {error && (
            <Callout.Root color="red" role="alert">
              <Callout.Text>{error}</Callout.Text>
            </Callout.Root>
          )}
          <Button type="submit" size="3" disabled={busy}>
            {busy ? "One moment…" : texts.button}
          </Button>
        </Flex>
      </form>
    </Card>
  );
}

export function LoginForm() {
  return <AuthForm mode="login" />;
}

export function SetupForm() {
  return <AuthForm mode="setup" />;
}

// `intro` says who sent the invitation and with which role (the page reads it from the link).
export function JoinForm({ intro }) {
  return <AuthForm mode="join" intro={intro} />;
}

export function LogoutButton() {
  const logOut = async () => {
    try {
      await fetch(`${getBackendURL().origin}/api/auth/logout`, { method: "POST", credentials: "include" });
    } finally {
      window.location.assign("/login");
    }
  };
  return (
    <Button variant="ghost" color="gray" size="2" onClick={logOut} aria-label="Log out" title="Log out">
      Log out
    </Button>
  );
}
