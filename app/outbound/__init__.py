"""What leaves the building: the outbox and its delivery (mail), the emails participants
receive (notifications), the organisers' wording of them (wording), private links
(tokens, manage_tokens) and the calendar invites and absolute URLs they carry (invites).

Features import this package; it imports none of them."""
