"""Interview transcripts: parsing (.txt, .docx, .vtt, .srt), speaker turns, pseudonymisation, storage."""
