"""What leaves the building: the outbox and its delivery (mail), the emails participants
receive (notifications), the organisers' wording of them (wording), private links
(tokens, manage_tokens), the calendar invites they carry (invites) and every absolute
link, built from PUBLIC_URL (public_links).

Features import this package; it imports none of them."""
