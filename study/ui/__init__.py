"""The Streamlit app: thin pages that read widgets, call one library function and render."""
