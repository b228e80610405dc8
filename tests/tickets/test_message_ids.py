from tickets.message_ids import make_message_id, ticket_number_from_ids


def test_our_message_ids_lead_back_to_their_ticket():
    first, second = make_message_id(88), make_message_id(88)
    assert first != second
    assert first.startswith("<hd.t88.") and first.endswith(">")
    assert ticket_number_from_ids([first]) == 88
    assert ticket_number_from_ids(["<other@example.com>", second.strip("<>")]) == 88


def test_forged_or_foreign_ids_are_not_recognised():
    genuine = make_message_id(88)
    forged = genuine.replace("hd.t88.", "hd.t89.")
    assert ticket_number_from_ids([forged]) is None
    assert ticket_number_from_ids(["<CAF=abc@mail.gmail.com>", "", None]) is None
